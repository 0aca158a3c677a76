// Topology files: the shipped examples resolve to the default address plan; each bad fixture gives one located issue.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { TopologyError, formatIssue } from '../../src/topology-file/errors.js';
import { loadTopology, parseTopology } from '../../src/topology-file/load.js';
import { findInterface, type Topology } from '../../src/topology/types.js';
import { schemeOf } from '../../src/schemes/registry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const badDir = `${root}test/fixtures/bad-topologies/`;
const FORMAT = /^.+:\d+:\d+: [\w.-]+: .+$/;

/** The TopologyError thrown by `fn` (fails the test when nothing or something else is thrown). */
function topologyError(t: Test, fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TopologyError) return e;
    t.fail(`expected a TopologyError, got ${String(e)}`);
    throw e;
  }
  t.fail('expected a TopologyError, nothing was thrown');
  throw new Error('no error');
}

function addresses(topo: Topology): Record<string, string[]> {
  const show = (n: Topology['nodes'][number]) => n.interfaces.map((i) => `${i.name} ${i.address}/${i.prefixLength}`);
  return Object.fromEntries(topo.nodes.map((n) => [n.name, show(n)]));
}

t.test('topologies/routing.yaml', async (t) => {
  const topo = loadTopology(`${root}topologies/routing.yaml`);
  t.match(topo, {
    name: 'routing',
    scheme: 'routing',
    backend: 'auto',
    ghost: '10.0.0.100',
    ghost1: '10.0.1.250',
    clientPopulation: '198.18.128.0/17',
    dispatch: { function: 'modulo', buckets: 256 },
    redirects: 'suppress',
    arp: 'ghost1',
  });
  t.strictSame(topo.networks, {
    client: { name: 'cl', subnet: '198.18.0.0/24' },
    lan: { name: 'lan', subnet: '10.0.1.0/24' },
  });
  t.strictSame(addresses(topo), {
    client: ['cl 198.18.0.2/24'],
    router: ['cl 198.18.0.1/24', 'lan 10.0.1.1/24'],
    dispatcher: ['lan 10.0.1.2/24'],
    s0: ['lan 10.0.1.10/24'],
    s1: ['lan 10.0.1.11/24'],
    s2: ['lan 10.0.1.12/24'],
    s3: ['lan 10.0.1.13/24'],
  });
  t.strictSame(
    topo.nodes.map((n) => n.role),
    ['client', 'router', 'dispatcher', 'server', 'server', 'server', 'server'],
  );
  t.equal(topo.client, topo.nodes[0]);
  t.equal(topo.router, topo.nodes[1]);
  t.strictSame(topo.dispatchers.map((d) => d.name), ['dispatcher']);
  t.strictSame(
    topo.servers.map((s) => [s.name, s.index, s.weight, s.address]),
    [
      ['s0', 0, 1, '10.0.1.10'],
      ['s1', 1, 1, '10.0.1.11'],
      ['s2', 2, 1, '10.0.1.12'],
      ['s3', 3, 1, '10.0.1.13'],
    ],
  );
  t.equal(findInterface(topo.router, 'lan').network, 'lan');
  t.match(topo.file, /routing\.yaml$/);
});

t.test('topologies/broadcast.yaml', async (t) => {
  const topo = loadTopology(`${root}topologies/broadcast.yaml`);
  t.match(topo, { name: 'broadcast', scheme: 'broadcast', ghost: '10.0.0.100', ghost1: '10.0.1.250', arp: 'ghost1' });
  t.strictSame(topo.dispatchers, []);
  t.strictSame(addresses(topo), {
    client: ['cl 198.18.0.2/24'],
    router: ['cl 198.18.0.1/24', 'lan 10.0.1.1/24'],
    s0: ['lan 10.0.1.10/24'],
    s1: ['lan 10.0.1.11/24'],
    s2: ['lan 10.0.1.12/24'],
    s3: ['lan 10.0.1.13/24'],
  });
});

t.test('minimal file: defaults, server lists, backup dispatcher', async (t) => {
  const min = parseTopology('name: a\nscheme: routing\n', 'min.yaml');
  t.equal(min.servers.length, 4);
  t.equal(min.dispatchers.length, 1);
  t.equal(min.backend, 'auto');

  const text = [
    'name: lab2',
    'scheme: routing',
    'dispatchers: 2',
    'lan: 10.0.0.0/16',
    'ghost: 192.0.2.1',
    'dispatch: {function: table}',
    'servers: [{weight: 2}, {address: 10.0.7.40}, {}]',
  ].join('\n');
  const topo = parseTopology(text, 'list.yaml');
  t.strictSame(topo.dispatchers.map((d) => [d.name, findInterface(d, 'lan').address]), [
    ['dispatcher', '10.0.0.2'],
    ['dispatcher2', '10.0.0.3'],
  ]);
  t.strictSame(
    topo.servers.map((s) => [s.name, s.weight, s.address, s.interfaces[0]!.prefixLength]),
    [
      ['s0', 2, '10.0.0.10', 16],
      ['s1', 1, '10.0.7.40', 16],
      ['s2', 1, '10.0.0.12', 16],
    ],
  );
  t.strictSame(
    topo.nodes.map((n) => n.name),
    ['client', 'router', 'dispatcher', 'dispatcher2', 's0', 's1', 's2'],
  );
  t.strictSame(topo.dispatch, { function: 'table', buckets: 256 });
  t.equal(topo.ghost1, '10.0.0.250', 'ghost1 is resolved in the routing scheme too');

  const b = parseTopology('name: b\nscheme: broadcast\nghost1: 10.0.1.200\narp: direct\nservers: 2\n', 'b.yaml');
  t.equal(b.ghost1, '10.0.1.200');
  t.equal(b.arp, 'direct');
  t.strictSame(b.dispatchers, []);
});

t.test('ftp: off by default, true puts vsftpd on every server', async (t) => {
  t.equal(parseTopology('name: a\nscheme: routing\n', 'a.yaml').ftp, false);
  t.equal(parseTopology('name: a\nscheme: broadcast\nftp: true\n', 'a.yaml').ftp, true);
  t.equal(loadTopology(`${root}topologies/routing.yaml`).ftp, false);
});

/** One row per bad fixture: where the single issue must point, and what it must say. */
const BAD: Record<string, { line: number; column: number; field: string; message: RegExp }> = {
  'unknown-key-top.yaml': { line: 4, column: 1, field: 'colour', message: /unknown key "colour"/ },
  'unknown-key-nested.yaml': { line: 6, column: 3, field: 'client.gateway', message: /unknown key "gateway"/ },
  'unknown-key-server.yaml': { line: 6, column: 26, field: 'servers.1.cpu', message: /unknown key "cpu"/ },
  'bad-address.yaml': { line: 6, column: 14, field: 'servers.1.address', message: /IPv4 address.*10\.0\.1\.300/ },
  'bad-cidr.yaml': { line: 4, column: 6, field: 'lan', message: /not an IPv4 prefix/ },
  'cidr-host-bits.yaml': { line: 4, column: 6, field: 'lan', message: /host bits set.*10\.0\.1\.0\/24/ },
  'lan-overlaps-client.yaml': { line: 4, column: 6, field: 'lan', message: /overlaps the client link/ },
  'population-overlaps-client.yaml': {
    line: 6,
    column: 15,
    field: 'client.population',
    message: /overlaps the client link/,
  },
  'population-overlaps-lan.yaml': { line: 5, column: 15, field: 'client.population', message: /overlaps the LAN/ },
  'ghost-in-lan.yaml': { line: 4, column: 8, field: 'ghost', message: /inside the LAN 10\.0\.1\.0\/24/ },
  'ghost-in-population.yaml': { line: 4, column: 8, field: 'ghost', message: /inside the client population/ },
  'ghost-is-node.yaml': { line: 4, column: 8, field: 'ghost', message: /is the address of s1/ },
  'server-outside-lan.yaml': { line: 6, column: 14, field: 'servers.1.address', message: /outside the LAN/ },
  'server-reserved-address.yaml': {
    line: 5,
    column: 14,
    field: 'servers.0.address',
    message: /reserved for Docker's gateway/,
  },
  'duplicate-server-address.yaml': {
    line: 6,
    column: 14,
    field: 'servers.1.address',
    message: /10\.0\.1\.20 is the address of both s0 and s1/,
  },
  'server-on-dispatcher.yaml': {
    line: 7,
    column: 26,
    field: 'servers.2.address',
    message: /both dispatcher and s2/,
  },
  'duplicate-yaml-key.yaml': { line: 6, column: 1, field: 'ghost', message: /duplicate key/ },
  'servers-zero.yaml': { line: 4, column: 10, field: 'servers', message: /between 1 and 250.*got 0/ },
  'servers-251.yaml': { line: 4, column: 10, field: 'servers', message: /between 1 and 250.*got 251/ },
  'servers-run-out.yaml': { line: 5, column: 10, field: 'servers', message: /do not fit.*at most 4 fit/ },
  'unknown-scheme.yaml': { line: 3, column: 9, field: 'scheme', message: /one of routing \| broadcast \|.*nat.*, got "lvs"/ },
  'missing-scheme.yaml': { line: 2, column: 1, field: 'scheme', message: /required: one of routing \| broadcast/ },
  'proxy-engine-unknown.yaml': { line: 5, column: 11, field: 'proxy.engine', message: /one of haproxy \| nginx, got "squid"/ },
  'proxy-wrong-scheme.yaml': { line: 4, column: 8, field: 'proxy', message: /proxy is a field of the proxy scheme only; the routing scheme takes none/ },
  'proxy-dispatchers-two.yaml': { line: 4, column: 14, field: 'dispatchers', message: /proxy scheme takes 1 dispatcher.*got 2/ },
  'redirect-service.yaml': { line: 4, column: 9, field: 'server', message: /the redirect scheme needs the lab's HTTP servers.*node or nginx/ },
  'proxy-unknown-key.yaml': { line: 5, column: 3, field: 'proxy.engin', message: /unknown key "engin"/ },
  'unknown-backend.yaml': { line: 4, column: 10, field: 'backend', message: /one of auto \| netns \| docker/ },
  'unknown-function.yaml': { line: 5, column: 13, field: 'dispatch.function', message: /one of modulo \| table/ },
  'bad-buckets.yaml': { line: 6, column: 12, field: 'dispatch.buckets', message: /1 to 4096, got 5000/ },
  'weight-zero.yaml': { line: 7, column: 13, field: 'servers.2.weight', message: /integer >= 1, got 0/ },
  'weight-fraction.yaml': { line: 4, column: 20, field: 'servers.0.weight', message: /integer >= 1, got 1\.5/ },
  'weight-string.yaml': { line: 5, column: 13, field: 'servers.0.weight', message: /integer >= 1, got "heavy"/ },
  'yaml-syntax.yaml': { line: 5, column: 1, field: 'yaml', message: /YAML syntax error/ },
  'bad-name.yaml': { line: 2, column: 7, field: 'name', message: /lowercase letter.*"Routing-Lab"/ },
  'dispatchers-broadcast.yaml': { line: 4, column: 14, field: 'dispatchers', message: /broadcast scheme has no/ },
  'dispatchers-three.yaml': { line: 4, column: 14, field: 'dispatchers', message: /1 dispatcher, or 2/ },
  'dispatcher-router-broadcast.yaml': { line: 4, column: 13, field: 'dispatcher', message: /broadcast scheme has no dispatch rules a router could run/ },
  'dispatcher-router-backup.yaml': { line: 5, column: 14, field: 'dispatchers', message: /dispatcher: router .*no backup.*got 2/ },
  'ghost1-is-node.yaml': { line: 5, column: 9, field: 'ghost1', message: /is the address of s2/ },
  'ghost1-outside-lan.yaml': { line: 4, column: 9, field: 'ghost1', message: /outside the LAN/ },
  'ftp-not-boolean.yaml': { line: 4, column: 6, field: 'ftp', message: /must be true or false, got "on"/ },
  'not-a-mapping.yaml': { line: 2, column: 1, field: 'topology', message: /must be a mapping.*got a list/ },
  'nat-unknown-key.yaml': { line: 6, column: 3, field: 'nat.sip-helper', message: /unknown key "sip-helper"/ },
  'nat-wrong-type.yaml': { line: 4, column: 19, field: 'nat.ftp-helper', message: /must be true or false, got 1/ },
  'nat-not-a-mapping.yaml': { line: 4, column: 6, field: 'nat', message: /must be a mapping \(ftp-helper\), got true/ },
  'nat-on-routing.yaml': { line: 5, column: 3, field: 'nat', message: /field of the nat scheme only; the routing scheme takes none/ },
  'nat-graceful.yaml': { line: 4, column: 13, field: 'transition', message: /the nat scheme has no graceful transitions.*conntrack.*set it to abrupt/ },
  'tcp-router-graceful.yaml': { line: 5, column: 13, field: 'transition', message: /the tcp-router scheme has no graceful transitions.*holds no state/ },
  'nat-dispatchers-two.yaml': { line: 4, column: 14, field: 'dispatchers', message: /nat scheme takes exactly 1 dispatcher.*got 2/ },
  'dns-name-one-label.yaml': { line: 5, column: 9, field: 'dns.name', message: /at least two labels.*got "www"/ },
  'dns-ttl-negative.yaml': { line: 5, column: 8, field: 'dns.ttl', message: /whole number of seconds from 0 to 86400, got -5/ },
  'dns-min-ttl-without-cache.yaml': { line: 6, column: 12, field: 'dns.min-ttl', message: /needs cache: true/ },
  'dns-with-routing.yaml': { line: 5, column: 3, field: 'dns', message: /field of the dns scheme only; the routing scheme takes none/ },
  'dns-two-name-servers.yaml': { line: 4, column: 14, field: 'dispatchers', message: /one name server.*got 2/ },
  'dns-graceful.yaml': { line: 4, column: 13, field: 'transition', message: /the dns scheme has no graceful transitions.*withdrawn record/ },
  'dns-unknown-key.yaml': { line: 6, column: 3, field: 'dns.rotate', message: /unknown key "rotate"/ },
};

t.test('every bad fixture has a row in the table', async (t) => {
  const files = readdirSync(badDir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length >= 14);
  t.strictSame(files.sort(), Object.keys(BAD).sort());
});

for (const [name, want] of Object.entries(BAD)) {
  t.test(`bad: ${name}`, async (t) => {
    const file = `${badDir}${name}`;
    const err = topologyError(t, () => loadTopology(file));
    t.equal(err.issues.length, 1, `one issue:\n${err.message}`);
    const [issue] = err.issues;
    t.match(issue, { file, line: want.line, column: want.column, field: want.field });
    t.match(issue!.message, want.message);
    t.equal(err.message, formatIssue(issue!));
    t.match(err.message, FORMAT);
    t.notMatch(err.message, /\n/);
  });
}

t.test('several problems are all reported, in file order, one per line', async (t) => {
  const text = 'name: a\nscheme: routing\nfoo: 1\nbar: 2\nghost: x\n';
  const err = topologyError(t, () => parseTopology(text, 'many.yaml'));
  t.strictSame(
    err.issues.map((i) => [i.line, i.field]),
    [
      [3, 'foo'],
      [4, 'bar'],
      [5, 'ghost'],
    ],
  );
  for (const line of err.message.split('\n')) t.match(line, FORMAT);
  t.equal(err.name, 'TopologyError');
});

t.test('unreadable file and empty text', async (t) => {
  const missing = topologyError(t, () => loadTopology(`${badDir}does-not-exist.yaml`));
  t.match(missing.issues, [{ line: 1, column: 1, field: 'file', message: /cannot read.*ENOENT/ }]);
  t.match(missing.message, FORMAT);

  const empty = topologyError(t, () => parseTopology('', 'empty.yaml'));
  t.match(empty.message, /^empty\.yaml:1:1: topology: must be a mapping/);
});

t.test('cross-field edge cases', async (t) => {
  const one = (text: string) => {
    const err = topologyError(t, () => parseTopology(`name: a\n${text}\n`, 'x.yaml'));
    t.equal(err.issues.length, 1, err.message);
    return err.issues[0]!;
  };
  // an explicit address that collides with an auto-assigned one is the one at fault
  t.match(one('scheme: routing\nservers: [{address: 10.0.1.11}, {}]'), {
    field: 'servers.0.address',
    message: /both s0 and s1/,
  });
  // a LAN too small for the fixed addresses blames the LAN, not the servers
  t.match(one('scheme: routing\nlan: 10.0.1.0/31'), { field: 'lan', message: /too small.*router/ });
  // the broadcast scheme's default ghost1 must fit in the LAN
  t.match(one('scheme: broadcast\nlan: 10.0.1.0/25'), { field: 'ghost1', message: /the default.*set ghost1/ });
  // ...but the routing scheme does not check ghost1
  t.equal(parseTopology('name: a\nscheme: routing\nlan: 10.0.1.0/25\n', 'x.yaml').ghost1, '10.0.1.250');
  t.match(one('scheme: routing\nservers: four'), { field: 'servers', message: /a count \(1\.\.250\) or a list/ });
  t.match(one('scheme: routing\nservers: []'), { field: 'servers', message: /between 1 and 250.*got 0/ });
  t.match(one('scheme: routing\nclient:\n  link: 198.18.0.0/24\n  link: 198.18.1.0/24'), {
    line: 5,
    field: 'client.link',
    message: /duplicate key/,
  });
  t.match(one('scheme: routing\n---\nname: b'), { field: 'yaml' });
  t.match(one('scheme: routing\ndispatchers: 0'), { field: 'dispatchers' });
  t.match(one('scheme: routing\ndispatcher: switch'), { field: 'dispatcher', message: /one of node \| router/ });
  t.match(one('scheme: routing\nservers: 250'), { field: 'servers', message: /at most 244 fit/ });
  t.equal(parseTopology('name: a\nscheme: routing\nservers: 250\nlan: 10.1.0.0/16\n', 'x.yaml').servers.length, 250);
});

t.test('dispatcher: router: no dispatcher node, the router carries the dispatch rules and counts per server', async (t) => {
  const topo = parseTopology('name: rr\nscheme: routing\nservers: 3\ndispatcher: router\n', 'rr.yaml');
  t.equal(topo.dispatcher, 'router');
  t.strictSame(topo.dispatchers, []);
  t.strictSame(topo.nodes.map((n) => n.name), ['client', 'router', 's0', 's1', 's2']);
  const scheme = schemeOf(topo);
  t.strictSame(scheme.dispatchNodes(topo).map((n) => n.name), ['router']);
  t.strictSame(scheme.serverCounter(topo, topo.servers[1]!), { node: 'router', comment: 'to s1' });
  t.equal(parseTopology('name: rr\nscheme: routing\ndispatcher: router\ndispatchers: 0\n', 'rr.yaml').dispatchers.length, 0, 'dispatchers: 0 is the same');
  t.equal(parseTopology('name: rr\nscheme: routing\n', 'rr.yaml').dispatcher, 'node', 'the default: a dispatcher node');
});

t.test('topologies/dns.yaml and dns-cached.yaml: the name, its zone and TTL, the cache; no dns field means the defaults', async (t) => {
  const plain = loadTopology(`${root}topologies/dns.yaml`);
  t.strictSame(plain.dns, { name: 'www.oneip.lab', zone: 'oneip.lab', ttl: 5 });
  t.strictSame(plain.dispatchers.map((d) => d.name), ['dispatcher'], 'the name server is the dispatcher node');
  const cached = loadTopology(`${root}topologies/dns-cached.yaml`);
  t.strictSame(cached.dns, { name: 'www.oneip.lab', zone: 'oneip.lab', ttl: 5, cache: { minTtl: 300 } });
  t.strictSame(parseTopology('name: a\nscheme: dns\n', 'x.yaml').dns, { name: 'www.oneip.lab', zone: 'oneip.lab', ttl: 5 });
  t.strictSame(parseTopology('name: a\nscheme: dns\ndns: {name: shop.example.lab, ttl: 0, cache: true}\n', 'x.yaml').dns, { name: 'shop.example.lab', zone: 'example.lab', ttl: 0, cache: { minTtl: 0 } });
  t.equal(loadTopology(`${root}topologies/routing.yaml`).dns, undefined, 'schemes that publish the ghost have none');
});

t.test('topologies/nat.yaml and topologies/tcp-router.yaml: one dispatcher, its counters per server, the nat field', async (t) => {
  for (const [file, scheme, name] of [['nat', 'nat', 'nat'], ['tcp-router', 'tcp-router', 'tcprouter']] as const) {
    const topo = loadTopology(`${root}topologies/${file}.yaml`);
    t.match(topo, { name, scheme, ghost: '10.0.0.100', transition: 'abrupt' });
    t.strictSame(topo.nodes.map((n) => n.name), ['client', 'router', 'dispatcher', 's0', 's1', 's2', 's3'], `${file}: client, router, one dispatcher, 4 servers`);
    t.strictSame(schemeOf(topo).dispatchNodes(topo).map((n) => n.name), ['dispatcher']);
    t.strictSame(schemeOf(topo).serverCounter(topo, topo.servers[2]!), { node: 'dispatcher', comment: 'to s2' });
  }
  t.strictSame(loadTopology(`${root}topologies/nat.yaml`).nat, { ftpHelper: false });
  t.strictSame(parseTopology('name: n\nscheme: nat\n', 'n.yaml').nat, { ftpHelper: false }, 'the FTP helper is off by default');
  t.strictSame(parseTopology('name: n\nscheme: nat\nnat: {}\n', 'n.yaml').nat, { ftpHelper: false });
  t.strictSame(parseTopology('name: n\nscheme: nat\nnat: {ftp-helper: true}\n', 'n.yaml').nat, { ftpHelper: true });
  t.equal(parseTopology('name: n\nscheme: tcp-router\n', 'n.yaml').nat, undefined, 'tcp-router has no nat options');
  t.equal(parseTopology('name: n\nscheme: nat\ntransition: abrupt\n', 'n.yaml').transition, 'abrupt', 'transition: abrupt is fine');
  const err = topologyError(t, () => parseTopology('name: n\nscheme: broadcast\nnat: {ftp-helper: false}\n', 'n.yaml'));
  t.match(err.issues, [{ field: 'nat', message: /nat scheme only; the broadcast scheme takes none/ }], 'even a nat field that says false is refused on another scheme');
  t.match(topologyError(t, () => parseTopology('name: n\nscheme: tcp-router\ndispatcher: router\n', 'n.yaml')).issues, [{ field: 'dispatcher' }], 'neither dispatches in the router');
});
