// Routing-based dispatching (paper section 4): router -> dispatcher -> chosen server's primary address.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import { dispatchStateOf, generations, reachableServers, type ClusterState } from './cluster-state.js';
import { inPart, type NodePlan, type PlanStep } from '../plan/types.js';
import { findInterface, type LabNode, type Topology } from '../topology/types.js';
import { emptyPlan, lanReturnRoutes, run } from './base.js';
import type { Scheme } from './scheme.js';
import { isGraceful, secondChanceStep } from './transition-steps.js';

/** Routing table number of server k on a dispatcher. */
export function serverTable(k: number): number {
  return 100 + k;
}

/** The router's route of the ghost to a dispatcher (the active one). */
export function routerGhostSteps(t: Topology, dispatcher = t.dispatchers[0]!): PlanStep[] {
  const via = findInterface(dispatcher, 'lan').address;
  return inPart('ghost-route', [run(`ip route replace ${t.ghost}/32 via ${via} dev lan`, `the ghost is routed to the dispatcher ${dispatcher.name} (paper 4)`)]);
}

/** A dispatcher's plan without its dispatch rules: forwarding, redirects as the topology says, one table per server. */
export function dispatcherBasePlan(t: Topology, node: LabNode): NodePlan {
  const plan = emptyPlan(node);
  // every step replaces what it sets, so the plan can be applied again (revive)
  plan.sysctls['net.ipv4.ip_forward'] = '1';
  const redirects = t.redirects === 'allow' ? '1' : '0';
  for (const scope of ['all', 'default', 'lan']) plan.sysctls[`net.ipv4.conf.${scope}.send_redirects`] = redirects;
  plan.steps.push(...lanReturnRoutes(t), ...serverTableSteps(t));
  return plan;
}

/** Per server k: mark k+1 looks up table 100+k, where the ghost is routed via S_k's primary address. Idempotent. */
export function serverTableSteps(t: Topology): PlanStep[] {
  return t.servers.flatMap((s) => {
    const table = serverTable(s.index);
    return [
      run(`ip rule del priority ${1000 + s.index} 2>/dev/null || true`),
      run(`ip rule add fwmark ${s.index + 1} lookup ${table} priority ${1000 + s.index}`, `mark ${s.index + 1} -> table ${table}`),
      run(`ip route replace ${t.ghost}/32 via ${s.address} dev lan table ${table}`, `table ${table}: the ghost via ${s.name}'s primary address`),
    ];
  });
}

/**
 * dispatcher: router (paper 4: "this modification can be implemented at the router itself"): the router marks each
 * ghost packet and routes it to its server's primary address on the LAN; no dispatcher hop, and no ICMP redirect
 * can arise (the packet leaves by another interface than it came in on).
 */
export function routerDispatchSteps(t: Topology, state: ClusterState): PlanStep[] {
  const names = t.servers.map((s) => s.name);
  return [...serverTableSteps(t), ...inPart('dispatch', [dispatchFunctionOf(t).markRules(t.ghost, dispatchStateOf(t, state), names)])];
}

export const routing: Scheme = {
  name: 'routing',
  title: 'routing-based dispatching (paper section 4)',
  summary: 'the router sends ghost packets to a dispatcher, which marks each with its server (the hash of CA) and routes it to that server\'s primary address; replies go straight back',
  dispatchers: { default: 1, allowed: [1, 2], rule: 'the routing scheme takes 1 dispatcher, or 2 with a backup', router: true },
  usesGhost1: false,
  dispatchNodes: (t) => (t.dispatcher === 'router' ? [t.router] : t.dispatchers),
  routerSteps(t, state) {
    if (t.dispatcher === 'router') return routerDispatchSteps(t, state);
    const active = t.dispatchers.find((d) => d.name === state.activeDispatcher) ?? t.dispatchers[0]!;
    return routerGhostSteps(t, active);
  },
  dispatcherPlan(t, node, state, fn) {
    const plan = dispatcherBasePlan(t, node);
    const names = t.servers.map((s) => s.name);
    plan.steps.push(...inPart('dispatch', [fn.markRules(t.ghost, dispatchStateOf(t, state), names)]));
    return plan;
  },
  // graceful mode: servers hold the previous function while a transition is in force (Beamer's daisy chaining)
  serverSteps(t, s, state, fn) {
    if (!isGraceful(t)) return [];
    const names = t.servers.map((x) => x.name);
    const rules = fn.secondChanceRules(t.ghost, generations(t, state), s.index, reachableServers(state), names);
    return inPart('dispatch', [rules, secondChanceStep(t, s, state)]);
  },
  serverCounter: (t, s) => ({ node: t.dispatcher === 'router' ? t.router.name : t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};
