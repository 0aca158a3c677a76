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
  /** room for a change of the function in progress (graceful transitions); none yet */
  transition?: never;
}

/** The state `lab up` starts with: every server alive, the first dispatcher active, no probe routes yet. */
export function initialClusterState(t: Topology): ClusterState {
  return { alive: t.servers.map((s) => s.index), activeDispatcher: t.dispatchers[0]?.name, probes: false };
}

/** The dispatch model's view of it: n, the alive set and the weights. */
export function dispatchStateOf(t: Topology, state: Pick<ClusterState, 'alive'>): DispatchState {
  return { servers: t.servers.length, alive: [...state.alive], weights: t.servers.map((s) => s.weight) };
}
