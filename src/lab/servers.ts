// The HTTP server of each server node: started by the lab after wiring (and again on revive), tracked by pid, awaited until it answers.
import type { ProcessRecord } from '../backends/backend.js';
import type { ServerNode } from '../topology/types.js';
import { join } from 'node:path';
import { nginxCommand } from '../server/nginx-config.js';
import { expandCommand } from '../server/service-spec.js';
import type { HealthTarget } from '../server/health-probe.js';
import { assertOk } from '../backends/backend.js';
import { labDir, logDir } from './paths.js';
import { builtScript } from '../util/paths.js';
import type { RunningLab } from './running-lab.js';
import { writeState } from './state.js';
import { waitFor } from '../util/poll.js';

import { SERVER_PROCESS, SERVICE_PROCESS } from './process-names.js';

export { SERVER_PROCESS };
export const SERVER_PORT = 80;

/** Where nginx finds the files it serves at /bytes/N (the lab's folder: every backend's nodes can read it). */
export function bytesDir(lab: string): string {
  return join(labDir(lab), 'bytes');
}

/** The command that serves HTTP on a server node: the lab's Node.js server, or nginx (topology field `server`). */
export function serverCommand(lab: RunningLab, server: ServerNode): string[] {
  const t = lab.state.topology;
  if (t.service) {
    const vars = { name: server.name, index: server.index, address: server.address, ghost: t.ghost, port: t.service.port, lab: lab.name, dir: labDir(lab.name) };
    return expandCommand(t.service.command, vars);
  }
  if (lab.state.topology.server === 'nginx') {
    return nginxCommand({ name: server.name, port: SERVER_PORT, runDir: join(labDir(lab.name), `nginx-${server.name}`), bytesDir: bytesDir(lab.name) });
  }
  return [process.execPath, builtScript('server/http-server'), '--name', server.name, '--port', String(SERVER_PORT)];
}

/** Starts one server's HTTP server and records it in the lab's state (the caller writes the state). */
export async function startServer(lab: RunningLab, server: ServerNode): Promise<ProcessRecord> {
  const what = lab.state.topology.service ? SERVICE_PROCESS : SERVER_PROCESS;
  const record = await lab.backend.spawn(server.name, what, serverCommand(lab, server), { logDir: logDir(lab.name) });
  lab.state.processes = [...lab.state.processes.filter((p) => !(p.node === server.name && p.name === what)), record];
  return record;
}

/** Waits until each server answers /health on its primary address (asked from the router, inside the lab). */
export async function waitServersAnswer(lab: RunningLab, servers: ServerNode[], timeoutMs = 15000): Promise<void> {
  if (lab.state.topology.service) return waitServicesAnswer(lab, servers, timeoutMs);
  const urls = servers.map((s) => `http://${s.address}:${SERVER_PORT}/health`);
  await waitFor(
    `the HTTP servers of ${servers.map((s) => s.name).join(', ')} to answer`,
    async () => ((await lab.probe(lab.state.topology.router.name, urls, [], 1000)).every((r) => r.ok) ? true : undefined),
    timeoutMs,
    100,
  );
}

export async function startServers(lab: RunningLab): Promise<void> {
  const servers = lab.state.topology.servers;
  await Promise.all(servers.map((s) => startServer(lab, s)));
  await writeState(lab.state);
  await waitServersAnswer(lab, servers);
}

/** The user's service: each server's health probe (as watchd asks it) passes, asked from the router. */
async function waitServicesAnswer(lab: RunningLab, servers: ServerNode[], timeoutMs: number): Promise<void> {
  const svc = lab.state.topology.service!;
  const targets: HealthTarget[] = servers.map((s) => ({ name: s.name, address: s.address, port: svc.port, health: svc.health }));
  const argv = [process.execPath, builtScript('server/health-probe'), '--targets', JSON.stringify(targets), '--timeout', '1000'];
  await waitFor(
    `the services (${svc.command[0]}, ${svc.protocol} port ${svc.port}) of ${servers.map((s) => s.name).join(', ')} to pass their health probe`,
    async () => {
      const r = assertOk(lab.state.topology.router.name, 'health-probe', await lab.backend.exec(lab.state.topology.router.name, argv, { timeoutMs: 5000 }));
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; name: string; error?: string });
      const bad = lines.filter((l) => !l.ok);
      if (bad.length > 0) throw new Error(bad.map((l) => `${l.name}: ${l.error}`).join(', '));
      return true;
    },
    timeoutMs,
    100,
  );
}
