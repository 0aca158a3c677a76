// Shared by the address-rewriting schemes (nat, tcp-router): the dispatcher's base plan, the mark -> server address map, servers without the ghost.
import type { NodePlan, PlanStep } from '../plan/types.js';
import { findInterface, type LabNode, type ServerNode, type Topology } from '../topology/types.js';
import { emptyPlan, lanReturnRoutes, run } from './base.js';
import type { ClusterState } from './cluster-state.js';
import { routerGhostSteps } from './routing.js';

/** The dispatcher's LAN address (these schemes have exactly one dispatcher). */
export function dispatcherAddress(t: Topology): string {
  return findInterface(t.dispatchers[0]!, 'lan').address;
}

/** The router's route of the ghost to the dispatcher (part ghost-route, as in the routing scheme). */
export function rewriteRouterSteps(t: Topology, state: ClusterState): PlanStep[] {
  const active = t.dispatchers.find((d) => d.name === state.activeDispatcher) ?? t.dispatchers[0]!;
  return routerGhostSteps(t, active);
}

/** A dispatcher that forwards on its one LAN interface: forwarding on, redirects as the topology says, the clients via the router. */
export function rewriteDispatcherBase(t: Topology, node: LabNode): NodePlan {
  const plan = emptyPlan(node);
  plan.sysctls['net.ipv4.ip_forward'] = '1';
  const redirects = t.redirects === 'allow' ? '1' : '0';
  for (const scope of ['all', 'default', 'lan']) plan.sysctls[`net.ipv4.conf.${scope}.send_redirects`] = redirects;
  plan.steps.push(...lanReturnRoutes(t));
  return plan;
}

/** The nft map from a dispatch mark (1 + server index, the function's markRules) to that server's primary address: every server of the topology. */
export function markToAddressMap(t: Topology): string {
  return `meta mark map { ${t.servers.map((s) => `${s.index + 1} : ${s.address}`).join(', ')} }`;
}

/** A server that does not own the ghost: no alias, no ARP settings to keep it quiet; only its routes back to the clients, via `via`. */
export function serverWithoutGhost(t: Topology, server: ServerNode, via: string, why: string): NodePlan {
  const plan = emptyPlan(server);
  plan.steps.push(
    run(`ip route replace ${t.networks.client.subnet} via ${via} dev lan`, `client link, via ${why}`),
    run(`ip route replace ${t.clientPopulation} via ${via} dev lan`, `client population, via ${why}`),
  );
  return plan;
}
