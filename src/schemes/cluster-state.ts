// ClusterState: what a running cluster is now, beside its topology; planLab(topology, state) plans every node from it.
import type { DispatchState } from '../dispatch/types.js';
import type { Topology } from '../topology/types.js';

export interface ClusterState {
  /** indexes of the servers the dispatch function treats as alive, ascending */
  alive: number[];
  /** schemes with dispatchers: the one the router sends ghost packets to */
  activeDispatcher?: string;
  /** watchd's probe routes are on the router (set once watchd runs) */
  probes: boolean;
  /** servers out of the function that still serve the connections they have (a drain); never a failed one */
  drained?: number[];
  /** a graceful change of the function in force: connections opened before it finish where they are */
  transition?: Transition;
}

/** A graceful change in force (topology `transition: graceful`): the function before it, kept beside the new one. */
export interface Transition {
  /** the dispatch state before the change (n, the alive set, the weights) */
  from: DispatchState;
  /** when it started, ms since the epoch */
  started: number;
}

/** The state `lab up` starts with: every server alive, the first dispatcher active, no probe routes yet. */
export function initialClusterState(t: Topology): ClusterState {
  return { alive: t.servers.map((s) => s.index), activeDispatcher: t.dispatchers[0]?.name, probes: false };
}

/** The dispatch model's view of it: n, the alive set and the weights. */
export function dispatchStateOf(t: Topology, state: Pick<ClusterState, 'alive'>): DispatchState {
  return { servers: t.servers.length, alive: [...state.alive], weights: t.servers.map((s) => s.weight) };
}

/**
 * The servers a server may pass a packet on to while a transition is in force: the owners under the previous
 * function that still hold connections (alive now, or drained), other than itself.
 */
export function secondChanceTargets(state: ClusterState, self: number): number[] {
  if (!state.transition) return [];
  const reachable = new Set([...state.alive, ...(state.drained ?? [])]);
  return state.transition.from.alive.filter((j) => j !== self && reachable.has(j));
}

/** The state a change leads to: `next`, with a transition from `now` when the topology asks for graceful changes and the function changed. */
export function withTransition(t: Topology, now: ClusterState, next: ClusterState, nowT: Topology = t, clock = Date.now()): ClusterState {
  if (t.transition !== 'graceful') return { ...next, transition: undefined };
  const before = dispatchStateOf(nowT, now);
  const after = dispatchStateOf(t, next);
  const same = before.servers === after.servers && before.alive.join(',') === after.alive.join(',');
  if (same) return { ...next, transition: now.transition };
  return { ...next, transition: { from: before, started: clock } };
}
