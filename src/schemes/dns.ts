// DNS round robin (paper section 2): a real name server (BIND) on the dispatcher node answers the service's name with every alive server's address, rotated; optionally Unbound caches on the router.
import { inPart, type NodePlan, type PlanStep, type ProcessStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import { findInterface, type DnsSpec, type LabNode, type ServerNode, type Topology } from '../topology/types.js';
import { LabError } from '../util/errors.js';
import { emptyPlan, lanReturnRoutes, routerClientSide, routerLan } from './base.js';
import { serverWithoutGhost } from './rewrite-base.js';
import type { ClusterState } from './cluster-state.js';
import { namedConf, nsupdateText, unboundConf, zoneFile } from './dns-config.js';
import type { Scheme } from './scheme.js';

/** The process names of the two servers (their logs: dispatcher-named.log, router-unbound.log). */
export const NAMED_PROCESS = 'named';
export const UNBOUND_PROCESS = 'unbound';
/** The table of each server's counter of the connections it took. */
export const SERVED_TABLE = 'oneip_served';

function dnsOf(t: Topology): DnsSpec {
  if (!t.dns) throw new LabError(`topology "${t.name}" has no dns field (the dns scheme resolves one by default)`);
  return t.dns;
}

/** The name server's address: the dispatcher node's LAN address. */
export function nameServerAddress(t: Topology): string {
  const ns = t.dispatchers[0];
  if (!ns) throw new LabError('the dns scheme needs its name server node (dispatcher)');
  return findInterface(ns, 'lan').address;
}

/** The resolver clients ask: the cache on the router's client link when there is one, else the name server itself. */
export function clientResolver(t: Topology): string {
  return dnsOf(t).cache ? routerClientSide(t) : nameServerAddress(t);
}

/**
 * A `dig` that passes once the server answers `name type` with a record (the ready command of both servers); dig
 * prints its errors (";; communications error ... connection refused") on stdout too, so those lines do not count.
 */
function answers(server: string, name: string, type: string): string[] {
  return ['sh', '-c', `dig +short +time=1 +tries=1 @${server} ${name} ${type} | grep -q '^[^;]'`];
}

/** BIND in the foreground, from the zone file with every server (a journal of an earlier run is dropped; the dispatch step sets the records after). */
function namedStep(t: Topology, dns: DnsSpec): ProcessStep {
  const zone = `${dns.zone}.zone`;
  return {
    kind: 'process',
    name: NAMED_PROCESS,
    argv: ['sh', '-c', `rm -f {dir}/${zone}.jnl && exec named -g -4 -c {dir}/named.conf`],
    files: [
      { path: 'named.conf', text: namedConf(dns, nameServerAddress(t)) },
      { path: zone, text: zoneFile(dns, nameServerAddress(t), t.servers.map((s) => s.address)) },
    ],
    ready: { argv: answers('127.0.0.1', dns.zone, 'SOA') },
    comment: `BIND, authoritative for ${dns.zone}: ${dns.name} answers every alive server's primary address, rotated (rrset-order cyclic), TTL ${dns.ttl} s`,
  };
}

/** The name's records for the alive set: one nsupdate message, so BIND swaps the whole set at once and keeps answering. */
function recordsStep(t: Topology, dns: DnsSpec, state: ClusterState): PlanStep {
  const alive = state.alive.map((k) => t.servers[k]!);
  return {
    kind: 'load',
    command: 'nsupdate -t 5',
    text: nsupdateText(dns, alive.map((s) => s.address)),
    comment: `${dns.name}: the addresses of ${alive.map((s) => s.name).join(' ')} (a failed server's record is withdrawn)`,
  };
}

/** Unbound on the router: the clients' caching resolver (cache: true), keeping answers at least min-ttl seconds. */
function unboundStep(t: Topology, dns: DnsSpec): ProcessStep {
  const listen = routerClientSide(t);
  const min = dns.cache?.minTtl ?? 0;
  return {
    kind: 'process',
    name: UNBOUND_PROCESS,
    argv: ['unbound', '-d', '-c', '{dir}/unbound.conf'],
    files: [{ path: 'unbound.conf', text: unboundConf(dns, listen, nameServerAddress(t)) }],
    // its own answer for localhost: ready whether the name server is up yet or not
    ready: { argv: answers(listen, 'localhost', 'A') },
    comment: `Unbound, the clients' caching resolver on ${listen}: asks ${nameServerAddress(t)} for ${dns.zone}, keeps answers ${min > 0 ? `at least ${min} s (cache-min-ttl)` : 'for their TTL'}`,
  };
}

/** A counter of the connections a server takes on its primary address (what `lab counters` shows per server). */
function servedCounterStep(t: Topology, s: ServerNode): PlanStep {
  // from the clients only (watchd's probes come from the router)
  const clients = `{ ${t.clientPopulation}, ${t.networks.client.subnet} }`;
  const text = atomicTable(SERVED_TABLE, [
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    ip saddr ${clients} ip daddr ${s.address} tcp flags & (syn | ack) == syn counter comment "connections to ${s.name}"`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: `measurement only: count the connections clients open to ${s.name}'s primary address` };
}

export const dns: Scheme = {
  name: 'dns',
  title: 'DNS round robin (paper section 2)',
  summary: "clients ask a name server (BIND on the dispatcher node, not on the packet path) for the service's name and connect to the first address it gives; it rotates every alive server's primary address",
  dispatchers: { default: 1, allowed: [1], rule: 'the dns scheme has one name server, on the dispatcher node: leave dispatchers out or set it to 1', router: false },
  usesGhost1: false,
  fields: ['dns'],
  noGraceful: 'a withdrawn record changes no open connection, it only stops new resolutions',
  ghostOnServers: false,
  clientModel: 'rotation',
  dispatchersOnPath: false,
  dispatchNodes: (t) => t.dispatchers,
  routerSteps(t) {
    const d = dnsOf(t);
    return d.cache ? [unboundStep(t, d)] : [];
  },
  dispatcherPlan(t: Topology, node: LabNode, state: ClusterState): NodePlan {
    const d = dnsOf(t);
    const plan = emptyPlan(node);
    plan.steps.push(...lanReturnRoutes(t), namedStep(t, d), ...inPart('dispatch', [recordsStep(t, d, state)]));
    return plan;
  },
  // the servers answer on their primary addresses: no ghost alias, replies go back via the router
  serverBasePlan: (t, s) => serverWithoutGhost(t, s, routerLan(t), 'the router'),
  serverSteps: (t, s) => [servedCounterStep(t, s)],
  serverCounter: (_t, s) => ({ node: s.name, comment: `connections to ${s.name}` }),
  clientTarget: (t) => ({ url: `http://${dnsOf(t).name}/`, resolver: clientResolver(t) }),
};
