// Builds every node's plan for a topology and a dispatch state: the pure heart of `lab plan` and `lab up`.
import type { DispatchState } from '../dispatch/types.js';
import type { LabPlan, NodePlan } from '../plan/types.js';
import type { Topology } from '../topology/types.js';
import { clientPlan, routerBasePlan, serverBasePlan } from './base.js';
import { broadcastServerSteps, routerBroadcastSteps } from './broadcast.js';
import { dispatchSteps } from './dispatch-rules.js';
import { dispatcherPlan, routerGhostSteps } from './routing.js';

export function planLab(t: Topology, state: DispatchState): LabPlan {
  const plans = new Map<string, NodePlan>();
  plans.set(t.client.name, clientPlan(t));
  const router = routerBasePlan(t);
  router.steps.push(...(t.scheme === 'routing' ? routerGhostSteps(t) : routerBroadcastSteps(t)));
  plans.set(t.router.name, router);
  t.dispatchers.forEach((d, i) => plans.set(d.name, dispatcherPlan(t, i)));
  for (const s of t.servers) plans.set(s.name, serverBasePlan(t, s));
  for (const { node, step } of dispatchSteps(t, state)) plans.get(node)!.steps.push(step);
  // broadcast: the local filter is in place before the pkt_type fix lets a server take ghost packets at all,
  // so a server whose plan is applied under load (a revived one) never accepts, and resets, another's clients
  if (t.scheme === 'broadcast') for (const s of t.servers) plans.get(s.name)!.steps.push(...broadcastServerSteps(t));
  return { lab: t.name, nodes: t.nodes.map((n) => plans.get(n.name)!) };
}
