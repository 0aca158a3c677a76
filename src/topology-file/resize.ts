// A running lab's topology with another number of servers (`lab scale`): new servers take the next free LAN addresses.
import { broadcastOf, intToIp, ipToInt, parseCidr } from '../net/ipv4.js';
import type { ServerNode, Topology } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import { MAX_SERVERS } from './schema.js';
import { HOST, hostProblem, type Net } from './resolve.js';

/** The addresses a new server must not take: every node's, and ghost1 where the scheme routes the ghost via it. */
function taken(t: Topology): Set<number> {
  const used = new Set(t.nodes.flatMap((n) => n.interfaces.map((i) => ipToInt(i.address))));
  used.add(ipToInt(t.ghost1));
  return used;
}

/** The next server node, s{index}, at the first free LAN address from .(10 + index) up. */
function newServer(t: Topology, index: number, used: Set<number>, n: number): ServerNode {
  const cidr = parseCidr(t.networks.lan.subnet);
  const lan: Net = { key: 'lan', cidr, label: `the LAN ${t.networks.lan.subnet}`, path: ['lan'] };
  for (let ip = (cidr.base + HOST.firstServer + index) >>> 0; ip < broadcastOf(cidr); ip = (ip + 1) >>> 0) {
    if (used.has(ip) || hostProblem(ip, lan) !== undefined) continue;
    used.add(ip);
    const address = intToIp(ip);
    return { name: `s${index}`, role: 'server', index, weight: 1, address, interfaces: [{ name: 'lan', network: 'lan', address, prefixLength: cidr.prefixLength }] };
  }
  throw new UsageError(`--servers ${n}: ${n} servers do not fit in ${lan.label} (no free address for s${index}); use a larger LAN in the topology`);
}

/** The topology with n servers: s0..s{n-1}, the first min(n, now) as they are. */
export function resizeTopology(t: Topology, n: number): Topology {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SERVERS) throw new UsageError(`--servers must be an integer from 1 to ${MAX_SERVERS}, got ${n}`);
  const used = taken(t);
  const servers = t.servers.slice(0, n);
  for (let i = servers.length; i < n; i++) servers.push(newServer(t, i, used, n));
  const others = t.nodes.filter((node) => node.role !== 'server');
  return { ...t, servers, nodes: [...others, ...servers] };
}
