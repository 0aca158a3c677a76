// Builds the resolved Topology from a validated file: assigns addresses and runs the cross-field checks.
import {
  broadcastOf,
  cidrContains,
  cidrsOverlap,
  cidrText,
  intToIp,
  ipToInt,
  parseCidr,
  type Cidr,
} from '../net/ipv4.js';
import { schemeOf, schemesTaking } from '../schemes/registry.js';
import { SCHEME_FIELDS, type Scheme } from '../schemes/scheme.js';
import { resolveLinks } from '../links/link-schema.js';
import { resolveDns } from './dns-schema.js';
import { DEFAULTS, type RawServerEntry, type RawTopology } from './schema.js';
import type { LabInterface, LabNetwork, LabNode, NodeRole, ServerNode, Topology } from '../topology/types.js';

export type FieldPath = (string | number)[];

/** A problem located by field path only; load.ts turns the path into a file position. */
export interface FieldProblem {
  path: FieldPath;
  message: string;
}

export type ResolveResult = { ok: true; topology: Topology } | { ok: false; problems: FieldProblem[] };

/** Host offsets in each network (DESIGN.md "Default address plan"). */
export const HOST = { router: 1, client: 2, dispatcher: 2, dispatcher2: 3, firstServer: 10 } as const;

/** Dispatcher node names, in order: the first is active at start, the second its backup. */
const DISPATCHER_NAMES = ['dispatcher', 'dispatcher2'];

/** The address Docker's bridge gateway takes on a network: the last host address (the .254 of a /24). */
export function dockerGatewayAddress(c: Cidr): number {
  return (broadcastOf(c) - 1) >>> 0;
}

type NetKey = LabNetwork['name'];

export interface Net {
  key: NetKey;
  cidr: Cidr;
  /** "the LAN 10.0.1.0/24" */
  label: string;
  /** the field that sets this network */
  path: FieldPath;
}

interface Addr {
  node: string;
  net: Net;
  ip: number;
  /** the field at fault when this address is wrong */
  path: FieldPath;
  /** the address is written in the file (not assigned) */
  explicit: boolean;
}

/** Why `ip` cannot be a host address on `net`, or undefined when it can. */
export function hostProblem(ip: number, net: Net): string | undefined {
  if (!cidrContains(net.cidr, ip)) return `is outside ${net.label}`;
  if (ip === net.cidr.base) return `is the network address of ${net.label}`;
  if (ip === broadcastOf(net.cidr)) return `is the broadcast address of ${net.label}`;
  if (ip === dockerGatewayAddress(net.cidr)) return `is reserved for Docker's gateway on ${net.label}`;
  return undefined;
}

/** Collects problems, keeping the first one per field so one mistake gives one message. */
class Problems {
  readonly list: FieldProblem[] = [];
  add(path: FieldPath, message: string): void {
    const key = path.join('.');
    if (!this.list.some((p) => p.path.join('.') === key)) this.list.push({ path, message });
  }
}

export function resolveTopology(raw: RawTopology, file: string): ResolveResult {
  const problems = new Problems();
  const fail = (): ResolveResult => ({ ok: false, problems: problems.list });

  const lan: Net = { key: 'lan', cidr: parseCidr(raw.lan), label: `the LAN ${raw.lan}`, path: ['lan'] };
  const cl: Net = {
    key: 'cl',
    cidr: parseCidr(raw.client.link),
    label: `the client link ${raw.client.link}`,
    path: ['client', 'link'],
  };
  const population = parseCidr(raw.client.population);
  const populationLabel = `the client population ${raw.client.population}`;

  // dispatchers: a count the scheme rules on
  const scheme = schemeOf(raw);
  const inRouter = raw.dispatcher === 'router';
  const dispatcherCount = inRouter ? 0 : (raw.dispatchers ?? scheme.dispatchers.default);
  if (inRouter && !scheme.dispatchers.router) {
    problems.add(['dispatcher'], `the ${scheme.name} scheme has no dispatch rules a router could run: leave dispatcher out or set it to node`);
  } else if (inRouter && raw.dispatchers !== undefined && raw.dispatchers !== 0) {
    problems.add(['dispatchers'], `dispatcher: router dispatches in the router, with no dispatcher node and no backup: leave dispatchers out; got ${raw.dispatchers}`);
  } else if (!inRouter && !scheme.dispatchers.allowed.includes(dispatcherCount)) {
    problems.add(['dispatchers'], `${scheme.dispatchers.rule}; got ${dispatcherCount}`);
  }
  schemeFieldProblems(raw, scheme, problems);

  // networks must be disjoint; nothing below makes sense otherwise
  const before = problems.list.length;
  if (cidrsOverlap(lan.cidr, cl.cidr)) problems.add(lan.path, `${lan.label} overlaps ${cl.label}`);
  if (cidrsOverlap(population, cl.cidr)) {
    problems.add(['client', 'population'], `${populationLabel} overlaps ${cl.label}`);
  } else if (cidrsOverlap(population, lan.cidr)) {
    problems.add(['client', 'population'], `${populationLabel} overlaps ${lan.label}`);
  }
  if (problems.list.length > before) return fail();

  // addresses
  const entries: RawServerEntry[] =
    typeof raw.servers === 'number' ? Array.from({ length: raw.servers }, () => ({})) : raw.servers;
  const serversPath: FieldPath = ['servers'];
  const fixed = (node: string, net: Net, offset: number): Addr => ({
    node,
    net,
    ip: (net.cidr.base + offset) >>> 0,
    path: net.path,
    explicit: false,
  });
  const addrs: Addr[] = [
    fixed('client', cl, HOST.client),
    fixed('router', cl, HOST.router),
    fixed('router', lan, HOST.router),
  ];
  const dispatcherNames = inRouter ? [] : DISPATCHER_NAMES.slice(0, scheme.dispatchers.allowed.includes(dispatcherCount) ? dispatcherCount : scheme.dispatchers.default);
  dispatcherNames.forEach((name, i) => addrs.push(fixed(name, lan, i === 0 ? HOST.dispatcher : HOST.dispatcher2)));
  const serverAddrs: Addr[] = entries.map((e, i) =>
    e.address === undefined
      ? { ...fixed(`s${i}`, lan, HOST.firstServer + i), path: serversPath }
      : { node: `s${i}`, net: lan, ip: ipToInt(e.address), path: ['servers', i, 'address'], explicit: true },
  );
  addrs.push(...serverAddrs);

  // each address must be a usable host address of its network
  const valid: Addr[] = [];
  for (const a of addrs) {
    const why = hostProblem(a.ip, a.net);
    if (why === undefined) {
      valid.push(a);
    } else if (a.explicit) {
      problems.add(a.path, `${intToIp(a.ip)} ${why}`);
    } else if (a.path === serversPath) {
      if (problems.list.some((p) => p.path === lan.path)) continue; // the LAN itself is already reported
      let fit = 0;
      const auto = (i: number) => (lan.cidr.base + HOST.firstServer + i) >>> 0;
      while (fit < entries.length && hostProblem(auto(fit), lan) === undefined) fit++;
      const first = intToIp(auto(0));
      problems.add(
        serversPath,
        `${entries.length} servers do not fit in ${lan.label}: server addresses are assigned from ${first} ` +
          `and ${a.node}'s ${intToIp(a.ip)} ${why}; at most ${fit} fit ` +
          '(use a larger LAN, fewer servers, or explicit addresses)',
      );
    } else {
      problems.add(a.path, `${a.net.label} is too small: the ${a.node}'s address ${intToIp(a.ip)} ${why}`);
    }
  }

  // no two nodes share an address; blame the one whose address is written in the file
  const owner = new Map<number, Addr>();
  for (const a of valid) {
    const seen = owner.get(a.ip);
    if (!seen) {
      owner.set(a.ip, a);
      continue;
    }
    const culprit = a.explicit || !seen.explicit ? a : seen;
    problems.add(culprit.path, `${intToIp(a.ip)} is the address of both ${seen.node} and ${a.node}`);
  }

  // the ghost is on no lab network and is no node's address
  const ghost = ipToInt(raw.ghost);
  const ghostOwner = owner.get(ghost);
  if (ghostOwner) {
    problems.add(
      ['ghost'],
      `the ghost ${raw.ghost} is the address of ${ghostOwner.node}; ` +
        "the ghost must be no node's address and on no lab network",
    );
  } else {
    for (const [cidr, label] of [
      [lan.cidr, lan.label],
      [cl.cidr, cl.label],
      [population, populationLabel],
    ] as const) {
      if (cidrContains(cidr, ghost)) {
        problems.add(['ghost'], `the ghost ${raw.ghost} is inside ${label}; it must be on no lab network`);
        break;
      }
    }
  }

  // ghost1: an unused LAN address (checked where the scheme uses it)
  const ghost1 = raw.ghost1 ?? intToIp((lan.cidr.base + DEFAULTS.ghost1Offset) >>> 0);
  if (scheme.usesGhost1 && !problems.list.some((p) => p.path === lan.path)) {
    const ip = ipToInt(ghost1);
    const taken = owner.get(ip);
    const why = taken ? `is the address of ${taken.node}` : hostProblem(ip, lan);
    if (why) {
      const hint = raw.ghost1 === undefined ? ` (the default, .${DEFAULTS.ghost1Offset} of the LAN; set ghost1)` : '';
      problems.add(['ghost1'], `ghost1 ${ghost1} ${why}${hint}; ghost1 must be an unused LAN address`);
    }
  }

  if (problems.list.length > 0) return fail();
  return { ok: true, topology: build(raw, file, addrs, entries, dispatcherNames, ghost1, lan, cl, scheme) };
}

/** Fields only some schemes take (`nat`) on another scheme, and `transition: graceful` where the scheme has no graceful transitions. */
function schemeFieldProblems(raw: RawTopology, scheme: Scheme, problems: Problems): void {
  for (const field of SCHEME_FIELDS) {
    if (raw[field] === undefined || scheme.fields?.includes(field)) continue;
    problems.add([field], `${field} is a field of the ${schemesTaking(field).join(', ')} scheme only; the ${scheme.name} scheme takes none: leave it out`);
  }
  if (raw.transition === 'graceful' && scheme.noGraceful) {
    problems.add(['transition'], `the ${scheme.name} scheme has no graceful transitions (${scheme.noGraceful}): leave transition out or set it to abrupt`);
  }
  if (scheme.httpServersOnly && typeof raw.server === 'object') {
    problems.add(['server'], `the ${scheme.name} scheme needs the lab's HTTP servers (${scheme.httpServersOnly}): server must be node or nginx`);
  }
}

/** The topology's `server`: a built-in HTTP server, or the user's service with its health probe made explicit. */
function serverOf(server: RawTopology['server']): Pick<Topology, 'server' | 'service'> {
  if (typeof server === 'string') return { server };
  const h = server.health ?? 'tcp';
  const health = h === 'tcp' ? { kind: 'tcp' as const } : 'http' in h ? { kind: 'http' as const, path: h.http } : { kind: 'dns' as const, name: h.dns, type: h.type };
  return { server: 'command', service: { command: server.command, port: server.port, protocol: server.protocol, health } };
}

function build(
  raw: RawTopology,
  file: string,
  addrs: Addr[],
  entries: RawServerEntry[],
  dispatcherNames: string[],
  ghost1: string,
  lan: Net,
  cl: Net,
  scheme: Scheme,
): Topology {
  const iface = (a: Addr): LabInterface => ({
    name: a.net.key,
    network: a.net.key,
    address: intToIp(a.ip),
    prefixLength: a.net.cidr.prefixLength,
  });
  const node = (name: string, role: NodeRole): LabNode => ({
    name,
    role,
    interfaces: addrs.filter((a) => a.node === name).map(iface),
  });
  const client = node('client', 'client');
  const router = node('router', 'router');
  const dispatchers = dispatcherNames.map((n) => node(n, 'dispatcher'));
  const servers: ServerNode[] = entries.map((e, index) => {
    const n = node(`s${index}`, 'server');
    return { ...n, role: 'server', index, weight: e.weight ?? 1, address: n.interfaces[0]!.address };
  });
  return {
    name: raw.name,
    file,
    scheme: raw.scheme,
    backend: raw.backend,
    ghost: raw.ghost,
    ghost1,
    networks: {
      client: { name: 'cl', subnet: cidrText(cl.cidr) },
      lan: { name: 'lan', subnet: cidrText(lan.cidr) },
    },
    clientPopulation: cidrText(parseCidr(raw.client.population)),
    dispatch: { function: raw.dispatch.function, buckets: raw.dispatch.buckets },
    redirects: raw.redirects,
    dispatcher: raw.dispatcher,
    arp: raw.arp,
    ...serverOf(raw.server),
    watchd: { enabled: raw.watchd.enabled, intervalMs: raw.watchd.interval, misses: raw.watchd.misses },
    transition: raw.transition,
    transitionTimeoutMs: raw['transition-timeout'],
    links: resolveLinks(raw.links),
    ftp: raw.ftp,
    ...(scheme.fields?.includes('nat') ? { nat: { ftpHelper: raw.nat?.['ftp-helper'] ?? false } } : {}),
    ...(scheme.fields?.includes('dns') ? { dns: resolveDns(raw.dns) } : {}),
    ...(scheme.fields?.includes('proxy') ? { proxy: { engine: raw.proxy?.engine ?? 'haproxy' } } : {}),
    nodes: [client, router, ...dispatchers, ...servers],
    servers,
    dispatchers,
    router,
    client,
  };
}
