// What watchd should change, pure: servers to take out of or put back into the function, and a dispatcher to fail over to.
import { clusterState, isKilled, type LabState } from '../lab/state.js';
import type { Monitor } from './monitor.js';

export interface ServerChange {
  down: string[];
  up: string[];
  /** failed servers kept in the function because every server in it failed (there is nowhere to send their clients) */
  held: string[];
}

function aliveNames(state: LabState): string[] {
  return state.alive.map((k) => state.topology.servers[k]!.name);
}

/** Failed servers still in the function go out; servers watchd took out that answer again (misses rounds in a row) go back. */
export function serverChanges(state: LabState, monitor: Monitor): ServerChange {
  const alive = aliveNames(state);
  const failed = alive.filter((n) => monitor.failed(n));
  const up = (state.watchd?.down ?? []).filter((n) => !alive.includes(n) && !monitor.failed(n) && monitor.get(n).oks >= monitor.misses);
  if (alive.length - failed.length + up.length > 0) return { down: failed, up, held: [] };
  return { down: [], up, held: failed };
}

export interface Failover {
  from: string;
  /** undefined: no healthy backup to fail over to */
  to: string | undefined;
}

export function activeDispatcher(state: LabState): string | undefined {
  return clusterState(state).activeDispatcher;
}

/** When the active dispatcher failed: the first other dispatcher whose last judged probe passed. */
export function dispatcherFailover(state: LabState, monitor: Monitor): Failover | undefined {
  const active = activeDispatcher(state);
  // a dispatcher watchd does not probe (a name server, off the packet path) is never failed over
  if (active === undefined || !monitor.dispatchers.includes(active) || !monitor.failed(active)) return undefined;
  const to = state.topology.dispatchers
    .map((d) => d.name)
    .find((d) => d !== active && !monitor.failed(d) && monitor.get(d).lastOk && !isKilled(state, d));
  return { from: active, to };
}
