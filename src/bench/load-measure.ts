// Helpers of bench:load: one run of our generator or of wrk inside the client node, reduced to requests/s, latency and errors.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertOk } from '../backends/backend.js';
import { dispatchFunctionOf } from '../dispatch/registry.js';
import { runBench } from '../lab/bench.js';
import { dispatchState } from '../lab/dispatch-control.js';
import { labDir } from '../lab/paths.js';
import { drawFromPopulation } from '../load/client-set.js';
import { ipToInt } from '../net/ipv4.js';
import type { RunningLab } from '../lab/running-lab.js';

export type Mode = 'keepalive' | 'close';

/** How a run is driven: closed loop (C in flight) or open loop (R requests/s). */
export type Loop = { concurrency: number } | { rate: number };

export interface Measure {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

/** The generator's setting for every bench:load run: 256 client addresses from the lab's population. */
export const CLIENTS = 256;

/** Our generator in the client node (one thread), via `runBench`; clients from the population, or from a file of addresses. */
export async function generator(lab: RunningLab, target: string, mode: Mode, loop: Loop, seconds: number, clientsFrom?: string): Promise<Measure> {
  const drive = 'rate' in loop ? { rate: String(loop.rate) } : { concurrency: String(loop.concurrency) };
  const from = clientsFrom === undefined ? {} : { clientsFrom };
  const r = await runBench(lab, { target, mode, duration: `${seconds}s`, clients: String(CLIENTS), ...drive, ...from });
  return { rps: r.throughput_rps, p50: r.latency_ms.p50, p99: r.latency_ms.p99, errors: r.requests.errors, requests: r.requests.ok };
}

/** Writes CLIENTS population addresses whose home (by the lab's dispatch function) is server `k` to a file in the lab's folder. */
export async function clientsHomedOn(lab: RunningLab, k: number): Promise<string> {
  const t = lab.state.topology;
  const fn = dispatchFunctionOf(t);
  const state = dispatchState(lab);
  const drawn = drawFromPopulation(t.clientPopulation, CLIENTS * t.servers.length * 8, 7);
  const homed = drawn.filter((a) => fn.predict(ipToInt(a), state) === k).slice(0, CLIENTS);
  if (homed.length < CLIENTS) throw new Error(`only ${homed.length} of ${drawn.length} drawn client addresses are homed on ${t.servers[k]!.name}`);
  const file = join(labDir(lab.name), `bench-clients-${t.servers[k]!.name}.txt`);
  await writeFile(file, homed.join('\n') + '\n');
  return file;
}

/** wrk's time with unit ("812.00us", "1.23ms", "1.01s") in milliseconds. */
export function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return Number.NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/** Socket errors plus non-2xx/3xx responses of a wrk report. */
function wrkErrors(out: string): number {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const sum = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return sum + (non2xx ? Number(non2xx[1]) : 0);
}

/** The figures of a `wrk --latency` report. */
export function parseWrk(out: string): Measure {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !total) throw new Error(`wrk printed no rate: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  const pct = (p: string): number => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  return { rps: Number(rps[1]), p50: pct('50'), p99: pct('99'), errors: wrkErrors(out), requests: Number(total[1]) };
}

/** wrk in the client node, one thread and `connections` connections; close mode asks the server to close after each response. */
export async function wrk(lab: RunningLab, target: string, mode: Mode, connections: number, seconds: number): Promise<Measure> {
  const header = mode === 'close' ? ['-H', 'Connection: close'] : [];
  const argv = ['wrk', '-t', '1', '-c', String(connections), '-d', `${seconds}s`, '--latency', ...header, `http://${target}/`];
  const r = await lab.backend.exec('client', argv, { timeoutMs: (seconds + 30) * 1000 });
  return parseWrk(assertOk('client', 'wrk', r).stdout);
}

/** A named run of a comparison. */
export interface Job {
  key: string;
  run: () => Promise<Measure>;
}

/** Runs the jobs `trials` times, alternating their order (A B, B A, ...) so drifting load hits each alike; per job the trial with the highest rate (the least disturbed by other work). */
export async function bestOf(jobs: Job[], trials: number, onTrial: (key: string, m: Measure) => void): Promise<Map<string, Measure>> {
  const best = new Map<string, Measure>();
  for (let i = 0; i < trials; i++) {
    for (const job of i % 2 === 0 ? jobs : [...jobs].reverse()) {
      const m = await job.run();
      onTrial(job.key, m);
      const prev = best.get(job.key);
      if (prev === undefined || m.rps > prev.rps) best.set(job.key, m);
    }
  }
  return best;
}

/** Direct and ghost latency measured at the same time, so that other work on the machine disturbs both alike. */
export interface PairedTrial {
  direct: Measure;
  ghost: Measure;
}

/** Two open-loop generators at once, the second 10 ms later (`runBench` names its process by the millisecond); `ghostFirst` swaps who starts first. */
export async function pairedTrial(run: (target: string) => Promise<Measure>, direct: string, ghost: string, ghostFirst: boolean): Promise<PairedTrial> {
  const [first, second] = ghostFirst ? [ghost, direct] : [direct, ghost];
  const [a, b] = await Promise.all([run(first), sleep(10).then(() => run(second))]);
  return ghostFirst ? { direct: b, ghost: a } : { direct: a, ghost: b };
}

/** The trial whose added p50 (ghost - direct) is the median of the trials. */
export function medianTrial(trials: PairedTrial[]): PairedTrial {
  const sorted = [...trials].sort((a, b) => a.ghost.p50 - a.direct.p50 - (b.ghost.p50 - b.direct.p50));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
