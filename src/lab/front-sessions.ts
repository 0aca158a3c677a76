// The L7 front's state on the dispatcher (proxy, redirect): established connections of clients to its ports, and its own to the servers.
import { assertOk } from '../backends/backend.js';
import { FRONT_PORT_BASE, GHOST_PORT } from '../schemes/front.js';
import type { RunningLab } from './running-lab.js';

export interface FrontSessions {
  /** clients' connections ending on the front: the ghost's port 80 or a server port 8001.. */
  clients: number;
  /** the front's own connections to servers' primary addresses (a proxy's; 0 for a redirector) */
  upstream: number;
}

/** Counts from `ss -Htn state established` in the dispatcher node. */
export async function frontSessions(lab: RunningLab, node = 'dispatcher'): Promise<FrontSessions> {
  const t = lab.state.topology;
  const r = assertOk(node, 'ss', await lab.backend.exec(node, ['ss', '-Htn', 'state', 'established'], { timeoutMs: 10000 }));
  const servers = new Set(t.servers.map((s) => `${s.address}:80`));
  let clients = 0;
  let upstream = 0;
  for (const line of r.stdout.split('\n')) {
    const [local, peer] = line.trim().split(/\s+/).slice(-2);
    if (!local || !peer) continue;
    const [addr, port] = [local.slice(0, local.lastIndexOf(':')), Number(local.slice(local.lastIndexOf(':') + 1))];
    if (addr === t.ghost && (port === GHOST_PORT || (port > FRONT_PORT_BASE && port <= FRONT_PORT_BASE + t.servers.length))) clients++;
    else if (servers.has(peer)) upstream++;
  }
  return { clients, upstream };
}
