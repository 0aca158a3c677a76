// Changes the alive set of a running lab (`dispatch set`, watchd): the new function applied on every node that holds dispatch rules.
import type { DispatchState } from '../dispatch/types.js';
import { dispatchStateOf } from '../schemes/cluster-state.js';
import { UsageError } from '../util/errors.js';
import { changeCluster } from './cluster-change.js';
import type { RunningLab } from './running-lab.js';
import { clusterState, type LabState } from './state.js';

/** The dispatch model's view of the lab now: n, the alive set, the weights. */
export function dispatchState(lab: RunningLab): DispatchState {
  return dispatchStateOf(lab.state.topology, clusterState(lab.state));
}

function serverIndex(state: LabState, name: string): number {
  const s = state.topology.servers.find((x) => x.name === name);
  if (!s) throw new UsageError(`"${name}" is not a server of lab "${state.name}" (servers: ${state.topology.servers.map((x) => x.name).join(', ')})`);
  return s.index;
}

/** The alive set after taking `down` out and putting `up` back; at least one server must stay. */
export function aliveAfter(state: LabState, down: string[], up: string[]): number[] {
  const alive = new Set(state.alive);
  for (const name of down) alive.delete(serverIndex(state, name));
  for (const name of up) alive.add(serverIndex(state, name));
  if (alive.size === 0) throw new UsageError('at least one server must stay alive');
  return [...alive].sort((a, b) => a - b);
}

/**
 * Marks servers down or up and applies the new function to every node that holds dispatch rules (under the
 * lab's lock, on the state as it is now, leaving killed nodes alone).
 */
export async function changeAlive(lab: RunningLab, down: string[], up: string[]): Promise<DispatchState> {
  await changeCluster(lab, (state, now) => ({ next: { ...now, alive: aliveAfter(state, down, up) }, result: true }));
  return dispatchState(lab);
}
