// The HTTP server of each server node: started by the lab after wiring (and again on revive), tracked by pid, awaited until it answers.
import type { ProcessRecord } from '../backends/backend.js';
import type { ServerNode } from '../topology/types.js';
import { join } from 'node:path';
import { nginxCommand } from '../server/nginx-config.js';
import { labDir, logDir } from './paths.js';
import { builtScript } from '../util/paths.js';
import type { RunningLab } from './running-lab.js';
import { writeState } from './state.js';
import { waitFor } from '../util/poll.js';

import { SERVER_PROCESS } from './process-names.js';

export { SERVER_PROCESS };
export const SERVER_PORT = 80;

/** Where nginx finds the files it serves at /bytes/N (the lab's folder: every backend's nodes can read it). */
export function bytesDir(lab: string): string {
  return join(labDir(lab), 'bytes');
}

/** The command that serves HTTP on a server node: the lab's Node.js server, or nginx (topology field `server`). */
export function serverCommand(lab: RunningLab, server: ServerNode): string[] {
  if (lab.state.topology.server === 'nginx') {
    return nginxCommand({ name: server.name, port: SERVER_PORT, runDir: join(labDir(lab.name), `nginx-${server.name}`), bytesDir: bytesDir(lab.name) });
  }
  return [process.execPath, builtScript('server/http-server'), '--name', server.name, '--port', String(SERVER_PORT)];
}

/** Starts one server's HTTP server and records it in the lab's state (the caller writes the state). */
export async function startServer(lab: RunningLab, server: ServerNode): Promise<ProcessRecord> {
  const record = await lab.backend.spawn(server.name, SERVER_PROCESS, serverCommand(lab, server), { logDir: logDir(lab.name) });
  lab.state.processes = [...lab.state.processes.filter((p) => !(p.node === server.name && p.name === SERVER_PROCESS)), record];
  return record;
}

/** Waits until each server answers /health on its primary address (asked from the router, inside the lab). */
export async function waitServersAnswer(lab: RunningLab, servers: ServerNode[], timeoutMs = 15000): Promise<void> {
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
