// The dispatcher node of the L7 schemes (proxy, redirect): it holds the ghost, and the kernel's dispatch marks steer each client to the front's port of its server.
import { inPart, type NodePlan, type PlanStep } from '../plan/types.js';
import type { DispatchFunction } from '../dispatch/types.js';
import type { LabNode, Topology } from '../topology/types.js';
import { emptyPlan, lanReturnRoutes, run } from './base.js';
import { dispatchStateOf, type ClusterState } from './cluster-state.js';

/** The port clients come to on the ghost (HTTP). */
export const GHOST_PORT = 80;
/** Server k's port on the front: FRONT_PORT_BASE + 1 + k (8001 for s0), that is FRONT_PORT_BASE + its dispatch mark. */
export const FRONT_PORT_BASE = 8000;

export function frontPort(k: number): number {
  return FRONT_PORT_BASE + 1 + k;
}

/** The comment of server k's steering rule (also what `lab counters` could read). */
export function steerComment(t: Topology, k: number): string {
  return `to ${t.servers[k]!.name}: front port ${frontPort(k)}`;
}

/**
 * nat table: a new connection to the ghost's port 80 whose packet carries mark k+1 (the dispatch function's
 * choice, set in mangle PREROUTING before nat) goes to the front's port of S_k on the ghost. Static: the
 * function's marks change, these rules never do.
 */
export function steeringTable(t: Topology): string {
  const rules = t.servers.map(
    (s) => `-A PREROUTING -d ${t.ghost}/32 -p tcp --dport ${GHOST_PORT} -m mark --mark ${s.index + 1} -m comment --comment "${steerComment(t, s.index)}" -j DNAT --to-destination ${t.ghost}:${frontPort(s.index)}`,
  );
  return ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ...rules, 'COMMIT', ''].join('\n');
}

/**
 * The front node's plan without its program: the ghost on lo (the front answers it), return routes, forwarding
 * only for watchd's probes of the dispatcher (router -> dispatcher -> server), no ICMP redirects, the steering
 * nat table, and the dispatch function's marks (the `dispatch` part, which watchd replaces on a failure).
 */
export function frontBasePlan(t: Topology, node: LabNode, state: ClusterState, fn: DispatchFunction, role: string): NodePlan {
  const plan = emptyPlan(node);
  plan.sysctls['net.ipv4.ip_forward'] = '1';
  for (const scope of ['all', 'default', 'lan']) plan.sysctls[`net.ipv4.conf.${scope}.send_redirects`] = '0';
  const names = t.servers.map((s) => s.name);
  plan.steps.push(
    run(`ip addr replace ${t.ghost}/32 dev lo`, `the ghost is this node's own address: the ${role} answers every client`),
    ...lanReturnRoutes(t),
    { kind: 'load', command: 'iptables-restore', text: steeringTable(t), comment: `steering: a client marked k+1 by the dispatch function is taken to the ${role}'s port ${FRONT_PORT_BASE}+1+k, where S_k is its server` },
    ...inPart('dispatch', [fn.markRules(t.ghost, dispatchStateOf(t, state), names)]),
  );
  return plan;
}

/** A ready check: the program listens on its last front port. */
export function listeningCheck(t: Topology): string[] {
  const port = frontPort(t.servers.length - 1);
  return ['sh', '-c', `test -n "$(ss -Hltn 'sport = :${port}')"`];
}

/** The steps a front node's program is: one process step. */
export type FrontProgram = (t: Topology) => PlanStep;
