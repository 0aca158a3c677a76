// The resolved lab topology: every node, network and address a ONE-IP lab is built from.

import type { DispatchFunctionName } from '../dispatch/registry.js';
import type { UserService } from '../server/service-spec.js';

export type { DispatchFunctionName };

export const BACKENDS = ['auto', 'netns', 'docker'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export type NodeRole = 'client' | 'router' | 'dispatcher' | 'server';

/** A layer-2 segment of the lab: a bridge (netns) or a Docker bridge network. */
export interface LabNetwork {
  /** short name, also the interface name of every node attached to it */
  name: 'cl' | 'lan';
  /** "a.b.c.d/len" */
  subnet: string;
}

export interface LabInterface {
  /** interface name inside the node (equals the network name) */
  name: string;
  network: LabNetwork['name'];
  /** host address, dotted quad */
  address: string;
  prefixLength: number;
}

export interface LabNode {
  /** fixed short name: client, router, dispatcher, dispatcher2, s0..s{n-1} */
  name: string;
  role: NodeRole;
  interfaces: LabInterface[];
}

export interface ServerNode extends LabNode {
  role: 'server';
  /** the paper's server index: S0 .. S(n-1) */
  index: number;
  /** relative weight for weighted dispatch functions (default 1) */
  weight: number;
  /** primary address on the server LAN */
  address: string;
}

export interface DispatchSpec {
  function: DispatchFunctionName;
  /** number of buckets of the `table` function */
  buckets: number;
}

/** Shaping of one interface's egress (links, lab shape): a rate (tbf), or a delay with optional jitter (netem). */
export interface LinkShape {
  /** tc's words, e.g. "10mbit" */
  rate?: string;
  /** bits per second of `rate` */
  rateBits?: number;
  delayMs?: number;
  jitterMs?: number;
}

/** watchd (paper 6.3): the failure detector started with the lab. */
export interface WatchdSpec {
  enabled: boolean;
  /** one probe round every intervalMs; a probe times out after two intervals (rounds overlap) */
  intervalMs: number;
  /** consecutive missed rounds before a node counts as failed (and as many answered rounds before it is back) */
  misses: number;
}

/** nat scheme: `nat:` in the topology. */
export interface NatSpec {
  /** the dispatcher attaches the FTP conntrack helper to control connections (port 21) of the ghost */
  ftpHelper: boolean;
}

/** The dns scheme (paper section 2): the service's name, answered by an authoritative server with every alive server's address. */
export interface DnsSpec {
  /** the service's name, e.g. www.oneip.lab */
  name: string;
  /** its zone: the name without its first label (oneip.lab) */
  zone: string;
  /** seconds a resolver may keep an answer */
  ttl: number;
  /** a caching resolver between the clients and the name server (Unbound on the router): its minimum TTL in seconds */
  cache?: { minTtl: number };
}

export interface Topology {
  name: string;
  /** the file it was read from, for messages */
  file: string;
  /** a name of the scheme registry (src/schemes/registry.ts), checked when the file is read */
  scheme: string;
  backend: BackendChoice;
  /** the published cluster address, on no LAN */
  ghost: string;
  /** broadcast scheme: the unused LAN address the ghost is routed via */
  ghost1: string;
  networks: { client: LabNetwork; lan: LabNetwork };
  /** source addresses of simulated clients, routed by the router to the client node */
  clientPopulation: string;
  dispatch: DispatchSpec;
  /** routing scheme: suppress the dispatcher's ICMP redirects (paper 4.1) or allow them */
  redirects: 'suppress' | 'allow';
  /** broadcast scheme: broadcast neighbour entry on ghost1 (paper 5.1) or on the ghost itself */
  arp: 'ghost1' | 'direct';
  /** the HTTP server on every server node: the lab's own Node.js server, or Debian's nginx */
  server: 'node' | 'nginx' | 'command';
  /** server: command: the user's own service, run on every server instead of an HTTP server */
  service?: UserService;
  watchd: WatchdSpec;
  /** proxy scheme: the reverse proxy on the dispatcher (HAProxy, or nginx) */
  proxy?: { engine: 'haproxy' | 'nginx' };
  /** changes of the function: graceful (connections opened before a change finish where they are) or abrupt (the paper's) */
  transition: 'graceful' | 'abrupt';
  /** graceful: a transition ends at the latest this long after it started; what is left then is reset */
  transitionTimeoutMs: number;
  /** nat scheme only: the dispatcher's NAT options (present for nat topologies) */
  nat?: NatSpec;
  /** shaping of every interface on a network (Mininet's TCLink): `lan` the server LAN, `client` the client link */
  links?: { lan?: LinkShape; client?: LinkShape };
  /** vsftpd on every server (topology `ftp: true`): anonymous read-only, active and passive (paper 3.1) */
  ftp?: boolean;
  /** schemes that publish the service by name (dns): the name, its TTL and the cache in between */
  dns?: DnsSpec;
  nodes: LabNode[];
  servers: ServerNode[];
  /** routing scheme: the dispatch rules on a dispatcher node, or in the router (no dispatcher node then) */
  dispatcher: 'node' | 'router';
  /** dispatcher nodes (routing scheme: 1 or 2, none with dispatcher: router; broadcast scheme: none) */
  dispatchers: LabNode[];
  router: LabNode;
  client: LabNode;
}

/** "10.0.1.10/24" for an interface. */
export function interfaceCidr(i: LabInterface): string {
  return `${i.address}/${i.prefixLength}`;
}

export function findInterface(node: LabNode, network: LabNetwork['name']): LabInterface {
  const found = node.interfaces.find((i) => i.network === network);
  if (!found) throw new Error(`node "${node.name}" has no interface on network "${network}"`);
  return found;
}
