// Builds every node's plan for a topology and the cluster's state now: the one plan `up`, `revive`, `dispatch set` and watchd apply.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import { inPart, renderSteps, type LabPlan, type NodePlan, type PlanStep } from '../plan/types.js';
import type { Topology } from '../topology/types.js';
import { clientPlan, routerBasePlan, serverBasePlan } from './base.js';
import type { ClusterState } from './cluster-state.js';
import { dispatcherProbeSteps } from './probe-routes.js';
import { schemeOf } from './registry.js';
import { gracefulServerSysctls } from './transition-steps.js';
import { linkSteps } from '../links/link-plan.js';
import { ftpProcessStep } from '../server/ftp-config.js';

export function planLab(t: Topology, state: ClusterState): LabPlan {
  const scheme = schemeOf(t);
  const fn = dispatchFunctionOf(t);
  const plans = new Map<string, NodePlan>();
  plans.set(t.client.name, clientPlan(t));
  const router = routerBasePlan(t);
  router.steps.push(...scheme.routerSteps(t, state));
  if (state.probes) router.steps.push(...inPart('probes', dispatcherProbeSteps(t)));
  plans.set(t.router.name, router);
  for (const d of t.dispatchers) plans.set(d.name, scheme.dispatcherPlan(t, d, state, fn));
  for (const s of t.servers) {
    const plan = scheme.serverBasePlan?.(t, s) ?? serverBasePlan(t, s);
    Object.assign(plan.sysctls, gracefulServerSysctls(t));
    plan.steps.push(...scheme.serverSteps(t, s, state, fn));
    if (t.ftp) plan.steps.push(ftpProcessStep(t, s));
    plans.set(s.name, plan);
  }
  for (const n of t.nodes) plans.get(n.name)!.steps.push(...linkSteps(t, n));
  return { lab: t.name, nodes: t.nodes.map((n) => plans.get(n.name)!) };
}

/** One node's plan for the state now (what `revive` and `link up` apply again). */
export function planNode(t: Topology, state: ClusterState, node: string): NodePlan | undefined {
  return planLab(t, state).nodes.find((p) => p.node === node);
}

/** A node's steps grouped by part, in plan order; the steps without a part are the "" group. */
function byPart(steps: PlanStep[]): Map<string, PlanStep[]> {
  const parts = new Map<string, PlanStep[]>();
  for (const s of steps) parts.set(s.part ?? '', [...(parts.get(s.part ?? '') ?? []), s]);
  return parts;
}

/** What to apply to go from one state to another: per node, the parts whose steps changed, as they are after. */
export interface PlanChange {
  node: string;
  steps: PlanStep[];
}

/**
 * The change between the plans of two states (of one topology, or of a topology before and after a scale):
 * every part of a node's plan whose text differs, its steps in the new plan's order; a node new in `tAfter` gets all of it, in order. Each part replaces what it sets, so applying the new version of a changed part is the whole change.
 */
export function planChanges(t: Topology, before: ClusterState, after: ClusterState, tAfter: Topology = t): PlanChange[] {
  const old = new Map(planLab(t, before).nodes.map((p) => [p.node, byPart(p.steps)]));
  const changes: PlanChange[] = [];
  for (const plan of planLab(tAfter, after).nodes) {
    const was = old.get(plan.node);
    // in plan order: a new node's whole plan (its filter before the step that lets it take ghost packets), else the changed parts
    const changed = new Set([...byPart(plan.steps)].filter(([part, now]) => !was || renderSteps(now) !== renderSteps(was.get(part) ?? [])).map(([part]) => part));
    const steps = plan.steps.filter((s) => changed.has(s.part ?? ''));
    if (steps.length > 0) changes.push({ node: plan.node, steps });
  }
  return changes;
}
