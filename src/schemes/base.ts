// Plans shared by both schemes: routes that keep every node inside the lab, AnyIP on the client, the ghost alias on servers.
import type { NodePlan, PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import { findInterface, type LabNode, type Topology } from '../topology/types.js';

export function run(line: string, comment?: string): PlanStep {
  return comment ? { kind: 'run', line, comment } : { kind: 'run', line };
}

/** A plan with the settings every node states explicitly: new namespaces inherit the host's IPv4 settings, so nothing is left to defaults. */
export function emptyPlan(node: LabNode): NodePlan {
  const sysctls = { 'net.ipv4.ip_forward': '0', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0' };
  return { node: node.name, role: node.role, sysctls, steps: [] };
}

export function routerLan(t: Topology): string {
  return findInterface(t.router, 'lan').address;
}

export function routerClientSide(t: Topology): string {
  return findInterface(t.router, 'cl').address;
}

/** Client: the population is local (AnyIP), the ghost and the LAN are reached via the router; nothing else. */
export function clientPlan(t: Topology): NodePlan {
  const plan = emptyPlan(t.client);
  const via = routerClientSide(t);
  plan.steps.push(
    run(`ip route replace local ${t.clientPopulation} dev lo`, 'AnyIP: the load generator may bind any population address'),
    run(`ip route replace ${t.ghost}/32 via ${via} dev cl`, 'the published ghost address, via the router'),
    run(`ip route replace ${t.networks.lan.subnet} via ${via} dev cl`, 'server LAN (primary addresses), via the router'),
  );
  return plan;
}

/** Router: forwards between client link and LAN; routes the population back to the client; no default route. */
export function routerBasePlan(t: Topology): NodePlan {
  const plan = emptyPlan(t.router);
  plan.sysctls['net.ipv4.ip_forward'] = '1';
  // a router does not take ICMP redirects (stated, since a namespace inherits the host's value)
  plan.sysctls['net.ipv4.conf.all.accept_redirects'] = '0';
  const client = findInterface(t.client, 'cl').address;
  plan.steps.push(
    run(`ip route replace ${t.clientPopulation} via ${client} dev cl`, 'client population lives behind the client node'),
    { kind: 'load', command: 'nft -f -', text: ghostCounterRuleset(t.ghost), comment: 'measurement only: count ghost packets the router puts on the LAN' },
  );
  return plan;
}

/** Routes of a LAN node (dispatcher or server) back to the clients, via the router. */
export function lanReturnRoutes(t: Topology): PlanStep[] {
  const via = routerLan(t);
  return [
    run(`ip route replace ${t.networks.client.subnet} via ${via} dev lan`, 'client link, via the router'),
    run(`ip route replace ${t.clientPopulation} via ${via} dev lan`, 'client population, via the router (replies go straight back, paper 4)'),
  ];
}

/** A server: the ghost as a /32 alias on lo, and never an ARP answer or announcement for it. */
export function serverBasePlan(t: Topology, server: LabNode): NodePlan {
  const plan = emptyPlan(server);
  Object.assign(plan.sysctls, {
    // the kernel uses the larger of "all" and the interface's value for both
    'net.ipv4.conf.all.arp_ignore': '1',
    'net.ipv4.conf.all.arp_announce': '2',
  });
  plan.steps.push(
    run(`ip addr replace ${t.ghost}/32 dev lo`, 'the ghost as a secondary address (paper 3.1: ifconfig alias); on lo so it is never answered in ARP'),
    ...lanReturnRoutes(t),
  );
  return plan;
}

export const COUNT_TABLE = 'oneip_count';
export const GHOST_SENT_COMMENT = 'ghost packets sent to the LAN';

function ghostCounterRuleset(ghost: string): string {
  return atomicTable(COUNT_TABLE, [
    '  chain postrouting {',
    '    type filter hook postrouting priority filter; policy accept;',
    `    oifname "lan" ip daddr ${ghost} counter comment "${GHOST_SENT_COMMENT}"`,
    '  }',
  ]);
}
