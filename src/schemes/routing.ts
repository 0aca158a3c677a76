// Routing-based dispatching (paper section 4): router -> dispatcher -> chosen server's primary address.
import { dispatchStateOf, generations, reachableServers } from './cluster-state.js';
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
  plan.steps.push(...lanReturnRoutes(t));
  for (const s of t.servers) {
    const table = serverTable(s.index);
    plan.steps.push(
      run(`ip rule del priority ${1000 + s.index} 2>/dev/null || true`),
      run(`ip rule add fwmark ${s.index + 1} lookup ${table} priority ${1000 + s.index}`, `mark ${s.index + 1} -> table ${table}`),
      run(`ip route replace ${t.ghost}/32 via ${s.address} dev lan table ${table}`, `table ${table}: the ghost via ${s.name}'s primary address`),
    );
  }
  return plan;
}

export const routing: Scheme = {
  name: 'routing',
  title: 'routing-based dispatching (paper section 4)',
  summary: 'the router sends ghost packets to a dispatcher, which marks each with its server (the hash of CA) and routes it to that server\'s primary address; replies go straight back',
  dispatchers: { default: 1, allowed: [1, 2], rule: 'the routing scheme takes 1 dispatcher, or 2 with a backup' },
  usesGhost1: false,
  dispatchNodes: (t) => t.dispatchers,
  routerSteps(t, state) {
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
  serverCounter: (t, s) => ({ node: t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};
