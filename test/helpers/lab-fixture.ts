// Test helper: brings a real lab up from YAML text (torn down after the test) and asks it and the model the same questions.
import type { Test } from 'tap';
import { dispatchFunctionOf } from '../../src/dispatch/registry.js';
import { changeAlive, dispatchState } from '../../src/lab/dispatch-control.js';
import { readCounters, type NodeCounters } from '../../src/lab/counters.js';
import { schemeOf } from '../../src/schemes/registry.js';
import { downLab } from '../../src/lab/down.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { upLab } from '../../src/lab/up.js';
import { cidrSize, intToIp, ipToInt, parseCidr } from '../../src/net/ipv4.js';
import { builtScript } from '../../src/util/paths.js';
import { parseTopology } from '../../src/topology-file/load.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { backendLeftOut, needsRoot } from './cli.js';

export type TestBackend = 'netns' | 'docker';

export interface BackendCase {
  backend: TestBackend;
  /** a reason to skip, or false */
  skip: string | false;
}

/**
 * The backends the lab suites run on: netns always (as root); Docker when an engine answers, and always in CI or
 * with `lab test --backend docker` (which set one up first: then it never skips).
 */
export async function backendCases(): Promise<BackendCase[]> {
  const docker = await dockerAvailable(2000);
  const required = process.env.CI || process.env.OLAB_TEST_BACKEND === 'docker';
  const dockerSkip = required || docker.ok ? false : `no Docker engine (${docker.reason}); CI runs it`;
  return [
    { backend: 'netns', skip: needsRoot || backendLeftOut('netns') },
    { backend: 'docker', skip: needsRoot || backendLeftOut('docker') || dockerSkip },
  ];
}

export async function startLab(t: Test, name: string, yaml: string, backend: TestBackend = 'netns'): Promise<RunningLab> {
  await downLab(name);
  const topology = parseTopology(`name: ${name}\n${yaml}`, `<${name}>`);
  const lab = await upLab(topology, `<${name}>`, { name, backend });
  t.teardown(() => downLab(name));
  return lab;
}

/** `count` distinct addresses spread over the whole population: one in each of `count` equal windows, at a varying offset. */
export function clientAddresses(population: string, count: number): string[] {
  const c = parseCidr(population);
  const step = Math.floor((cidrSize(c) - 2) / count);
  return Array.from({ length: count }, (_, i) => intToIp(c.base + 1 + i * step + ((i * 7919) % step)));
}

/** The server name the model predicts for a client address in the lab's current state. */
export function predicted(lab: RunningLab, address: string): string {
  const t = lab.state.topology;
  const fn = dispatchFunctionOf(t);
  return t.servers[fn.predict(ipToInt(address), dispatchState(lab))]!.name;
}

/** GETs the ghost once from every address; returns address -> server that answered (or the error). */
export async function ghostMap(lab: RunningLab, froms: string[]): Promise<Map<string, string>> {
  const t = lab.state.topology;
  const results = await lab.probe('client', [`http://${t.ghost}/`], froms, 3000);
  return new Map(results.map((r) => [r.from!, r.ok ? r.servedBy! : `error:${r.error ?? r.status}`]));
}

/** Sends one UDP datagram to the ghost from each address (for exact per-packet counting). */
export async function udpBurst(lab: RunningLab, froms: string[]): Promise<number> {
  const r = await lab.exec('client', [process.execPath, builtScript('server/udp-burst'), '--target', lab.state.topology.ghost, '--from', froms.join(',')]);
  if (r.exitCode !== 0) throw new Error(`udp-burst failed: ${r.stderr}`);
  return JSON.parse(r.stdout).sent as number;
}

export { changeAlive };

export function packets(c: NodeCounters, comment: string): number {
  return c.rules.filter((r) => r.comment === comment).reduce((sum, r) => sum + r.packets, 0);
}

/** Per-server packet counts the dispatch rules (routing) or local filters (broadcast) saw. */
export async function perServerCounts(lab: RunningLab): Promise<Record<string, number>> {
  const t = lab.state.topology;
  const out: Record<string, number> = {};
  for (const s of t.servers) {
    const where = schemeOf(t).serverCounter(t, s);
    out[s.name] = packets(await readCounters(lab, where.node), where.comment);
  }
  return out;
}

