// Ends a graceful transition: when no connection of a moved client is left on its old owner, or at transition-timeout.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import type { DispatchState } from '../dispatch/types.js';
import { ipToInt } from '../net/ipv4.js';
import { dispatchStateOf, reachableServers, type ClusterState } from '../schemes/cluster-state.js';
import { changeCluster } from './cluster-change.js';
import type { RunningLab } from './running-lab.js';
import { clusterState, type LabState } from './state.js';
import { LabError } from '../util/errors.js';
import { appendEvent, eventsFile, makeEvent } from './watchd-events.js';

/** conntrack states of a connection that still carries data or its close (TIME_WAIT and CLOSE are over). */
const OPEN_STATES = new Set(['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK']);

/** Client addresses of the open TCP connections to the ghost in one /proc/net/nf_conntrack listing. */
export function openGhostConnections(listing: string, ghost: string): number[] {
  const out: number[] = [];
  for (const line of listing.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[2] !== 'tcp') continue;
    const state = f[5] ?? '';
    const src = f.find((x) => x.startsWith('src='));
    const dst = f.find((x) => x.startsWith('dst='));
    if (!src || dst !== `dst=${ghost}` || !OPEN_STATES.has(state)) continue;
    out.push(ipToInt(src.slice(4)));
  }
  return out;
}

/** The servers a transition waits on: those that may hold connections (alive now, or drained), not killed. */
function holders(state: LabState, cluster: ClusterState): number[] {
  return reachableServers(cluster).filter((j) => state.topology.servers[j] && state.failures?.[state.topology.servers[j]!.name]?.kind !== 'killed');
}

/**
 * Connections still open on a server that the function in force does not give it (a moved client's, opened under an
 * earlier function), per server: what the stateless rules would reset if the transition ended now.
 */
export async function movedConnectionsLeft(lab: RunningLab): Promise<Record<string, number>> {
  const state = lab.state;
  const cluster = clusterState(state);
  if (!cluster.transition) return {};
  const t = state.topology;
  const fn = dispatchFunctionOf(t);
  const to = dispatchStateOf(t, cluster);
  const left: Record<string, number> = {};
  await Promise.all(
    holders(state, cluster).map(async (j) => {
      const name = t.servers[j]!.name;
      const r = await lab.backend.exec(name, ['cat', '/proc/net/nf_conntrack'], { timeoutMs: 5000 });
      if (r.exitCode !== 0) throw new LabError(`${name}: reading its conntrack table failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
      left[name] = openGhostConnections(r.stdout, t.ghost).filter((ca) => fn.predict(ca, to) !== j).length;
    }),
  );
  return left;
}

export interface TransitionOutcome {
  /** still in force, or why it ended */
  status: 'none' | 'in-force' | 'drained' | 'timeout';
  connectionsLeft: number;
}

/**
 * Looks at the transition in force: records what is left, and ends it (stateless rules back) when nothing of a
 * moved client is left on its old owner, or when transition-timeout has passed (what is left is then reset: counted).
 */
export async function settleTransition(lab: RunningLab, clock = Date.now): Promise<TransitionOutcome> {
  await lab.refresh();
  const tr = lab.state.transition;
  if (!tr) return { status: 'none', connectionsLeft: 0 };
  const timedOut = clock() - tr.started >= lab.state.topology.transitionTimeoutMs;
  const left = Object.values(await movedConnectionsLeft(lab)).reduce((a, b) => a + b, 0);
  const status = left === 0 ? 'drained' : timedOut ? 'timeout' : 'in-force';
  const ended = await changeCluster(lab, (state, now) => {
    if (state.transition?.started !== tr.started) return undefined; // another change came first
    state.transitionCheck = { at: clock(), connectionsLeft: left };
    return status === 'in-force' ? { next: now, result: false } : { next: now, result: true, endTransition: true };
  });
  if (ended) await appendEvent(eventsFile(lab.name), makeEvent('transition-ended', { message: status === 'drained' ? 'every moved connection finished where it was' : `transition-timeout passed: ${left} connections left are reset`, connections_left: left }));
  return { status: ended ? status : lab.state.transition ? 'in-force' : 'none', connectionsLeft: left };
}
