// Changes the cluster's state (alive set, active dispatcher, probe routes) and applies exactly what planLab says changed.
import { planChanges } from '../schemes/plan-lab.js';
import type { ClusterState } from '../schemes/cluster-state.js';
import type { RunningLab } from './running-lab.js';
import { clusterState, setClusterState, type LabState } from './state.js';

/** A decision on the state as it is now: the next cluster state and what to report, or undefined for no change. */
export type ClusterDecision<T> = (state: LabState, now: ClusterState) => { next: ClusterState; result: T } | undefined;

/**
 * Under the lab's lock, on the state read afresh: decides the next cluster state, applies the parts of every
 * node's plan that differ between planLab(now) and planLab(next) (each part replaces itself atomically),
 * leaving killed nodes alone (revive applies their whole plan later), and records the new state.
 * Returns the decision's result, or undefined when it decided on no change.
 */
export async function changeCluster<T>(lab: RunningLab, decide: ClusterDecision<T>): Promise<T | undefined> {
  return lab.update(async (state) => {
    const now = clusterState(state);
    const decision = decide(state, now);
    if (!decision) return undefined;
    const changes = planChanges(state.topology, now, decision.next).filter((c) => !lab.isKilled(c.node));
    await Promise.all(changes.map((c) => lab.applySteps(c.node, c.steps)));
    setClusterState(state, decision.next);
    return decision.result;
  });
}
