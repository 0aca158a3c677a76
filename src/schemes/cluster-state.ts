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
  /** the states before that, newest first, whose connections may still be open (changes that came during a transition) */
  earlier?: DispatchState[];
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

/** At most this many functions before the one in force are kept in a transition (older connections are reset). */
export const MAX_GENERATIONS = 4;

/** The functions a transition keeps: the one in force, then those before it, newest first. */
export function generations(t: Topology, state: ClusterState): DispatchState[] {
  const now = dispatchStateOf(t, state);
  return state.transition ? [now, state.transition.from, ...(state.transition.earlier ?? [])] : [now];
}

/** The servers that still hold connections and may be passed a packet: alive now, or drained. */
export function reachableServers(state: ClusterState): number[] {
  return [...new Set([...state.alive, ...(state.drained ?? [])])].sort((a, b) => a - b);
}

/** The state a change leads to: `next`, with a transition from `now` when the topology asks for graceful changes and the function changed. */
export function withTransition(t: Topology, now: ClusterState, next: ClusterState, nowT: Topology = t, clock = Date.now()): ClusterState {
  if (t.transition !== 'graceful') return { ...next, transition: undefined };
  const before = dispatchStateOf(nowT, now);
  const after = dispatchStateOf(t, next);
  const same = before.servers === after.servers && before.alive.join(',') === after.alive.join(',');
  if (same) return { ...next, transition: now.transition };
  const earlier = now.transition ? [now.transition.from, ...(now.transition.earlier ?? [])].slice(0, MAX_GENERATIONS - 1) : [];
  return { ...next, transition: { from: before, ...(earlier.length ? { earlier } : {}), started: clock } };
}
