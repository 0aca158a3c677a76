// Routing-based dispatching (paper section 4): router -> dispatcher -> chosen server's primary address.
import type { NodePlan } from '../plan/types.js';
import { findInterface, type Topology } from '../topology/types.js';
import { emptyPlan, lanReturnRoutes, run } from './base.js';

/** Routing table number of server k on a dispatcher. */
export function serverTable(k: number): number {
  return 100 + k;
}

export function routerGhostSteps(t: Topology, dispatcher = t.dispatchers[0]!): NodePlan['steps'] {
  const via = findInterface(dispatcher, 'lan').address;
  return [run(`ip route replace ${t.ghost}/32 via ${via} dev lan`, `the ghost is routed to the dispatcher ${dispatcher.name} (paper 4)`)];
}

export function dispatcherPlan(t: Topology, index: number): NodePlan {
  const node = t.dispatchers[index]!;
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
