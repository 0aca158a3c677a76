// Changes the alive set of a running lab (`dispatch set`, watchd): the new function applied on every node that holds dispatch rules.
import type { DispatchState } from '../dispatch/types.js';
import { dispatchStateOf, type ClusterState } from '../schemes/cluster-state.js';
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
 * The cluster state after taking `down` out and putting `up` back. Servers taken out because they failed
 * (`failed`: watchd) keep nothing; a live server taken out (`lab dispatch set --down`) is drained: it serves
 * the connections it has until they finish, and takes no new one.
 */
export function aliveChange(state: LabState, now: ClusterState, down: string[], up: string[], why: 'drain' | 'failed' = 'drain'): ClusterState {
  const alive = aliveAfter(state, down, up);
  const drained = new Set(now.drained ?? []);
  for (const name of up) drained.delete(serverIndex(state, name));
  for (const name of down) {
    const k = serverIndex(state, name);
    if (why === 'drain' && !state.failures?.[name] && now.alive.includes(k)) drained.add(k);
    else drained.delete(k);
  }
  for (const k of alive) drained.delete(k);
  return { ...now, alive, drained: [...drained].sort((a, b) => a - b) };
}

/**
 * Marks servers down (a drain, for live ones) or up and applies the new function to every node that holds
 * dispatch rules (under the lab's lock, on the state as it is now, leaving killed nodes alone).
 */
export async function changeAlive(lab: RunningLab, down: string[], up: string[]): Promise<DispatchState> {
  await changeCluster(lab, (state, now) => ({ next: aliveChange(state, now, down, up), result: true }));
  return dispatchState(lab);
}
