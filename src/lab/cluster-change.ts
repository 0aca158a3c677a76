// Changes the cluster's state (alive set, dispatcher, probes, transition, n) and applies exactly what planLab says changed.
import { planChanges, type PlanChange } from '../schemes/plan-lab.js';
import { dispatchStateOf, withTransition, type ClusterState } from '../schemes/cluster-state.js';
import { movedClients } from './moved-clients.js';
import { appendEvent, eventsFile, makeEvent } from './watchd-events.js';
import type { Topology } from '../topology/types.js';
import type { RunningLab } from './running-lab.js';
import { clusterState, setClusterState, type LabState } from './state.js';

/** A decision on the state as it is now: the next cluster state and what to report, or undefined for no change. */
export interface ClusterDecisionResult<T> {
  next: ClusterState;
  result: T;
  /** the topology after the change (scale); the lab's own when absent */
  topology?: Topology;
  /** the change ends the transition in force (the function stays as it is) */
  endTransition?: boolean;
}

export type ClusterDecision<T> = (state: LabState, now: ClusterState) => ClusterDecisionResult<T> | undefined;

/**
 * Under the lab's lock, on the state read afresh: decides the next cluster state (with a transition from the
 * state in force when the topology asks for graceful changes), applies the parts of every node's plan that
 * differ between planLab(now) and planLab(next) (each part replaces itself atomically), leaving killed nodes
 * alone (revive applies their whole plan later), and records the new state. Servers go first, so every server
 * holds the rules of a transition before a dispatcher sends it packets by the new function.
 * Returns the decision's result, or undefined when it decided on no change.
 */
export async function changeCluster<T>(lab: RunningLab, decide: ClusterDecision<T>): Promise<T | undefined> {
  return lab.update(async (state) => {
    const now = clusterState(state);
    const decision = decide(state, now);
    if (!decision) return undefined;
    const before = state.topology;
    const after = decision.topology ?? before;
    const next = decision.endTransition ? { ...decision.next, transition: undefined } : withTransition(after, now, decision.next, before);
    const changes = planChanges(before, now, next, after).filter((c) => !lab.isKilled(c.node) && after.nodes.some((n) => n.name === c.node));
    const t0 = Date.now();
    await applyInWaves(lab, after, changes);
    state.topology = after;
    setClusterState(state, next);
    await recordChange(state, before, now, next, t0);
    return decision.result;
  });
}

/**
 * The lab's event log gets a line for every change of the dispatch state (whoever made it), stamped when its
 * rules were in place: the state after it, how long applying took, how many client addresses it moved, and
 * whether a graceful transition started with it.
 */
async function recordChange(state: LabState, before: Topology, now: ClusterState, next: ClusterState, appliedFrom: number): Promise<void> {
  const t = state.topology;
  const from = dispatchStateOf(before, now);
  const to = dispatchStateOf(t, next);
  if (from.servers === to.servers && from.alive.join(',') === to.alive.join(',')) return;
  const name = (k: number) => t.servers[k]?.name ?? `s${k}`;
  const graceful = next.transition !== undefined && next.transition.started !== now.transition?.started;
  const message = `n ${from.servers} -> ${to.servers}, alive ${from.alive.map(name).join(' ')} -> ${to.alive.map(name).join(' ')}${graceful ? ': transition started' : ' (abrupt)'}`;
  // stamped when the rules were in place, with how long applying them took (the old state held until then)
  const at = Date.now();
  const fields = { message, alive: to.alive.map(name), servers: to.servers, moved_clients: movedClients(t, from, to), graceful, apply_ms: at - appliedFrom };
  await appendEvent(eventsFile(state.name), makeEvent('dispatch-changed', fields, at));
}

/** Applies plan changes: every server first, then the other nodes. */
async function applyInWaves(lab: RunningLab, t: Topology, changes: PlanChange[]): Promise<void> {
  const isServer = (c: PlanChange) => t.servers.some((s) => s.name === c.node);
  await Promise.all(changes.filter(isServer).map((c) => lab.applySteps(c.node, c.steps)));
  await Promise.all(changes.filter((c) => !isServer(c)).map((c) => lab.applySteps(c.node, c.steps)));
}
