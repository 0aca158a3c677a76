// lab compare without labs: its flags (exit 2 naming the flag), lab names, the --json shape, the table, the failure figures and the page's charts.
import t, { type Test } from 'tap';
import { compareLabName, parseCompareFlags } from '../../src/lab/compare/options.js';
import { failureFigures } from '../../src/lab/compare/failure.js';
import { dispatcherStateScript, peersOfJson } from '../../src/lab/compare/probes.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparePlan } from '../../src/lab/compare/run.js';
import { dispatcherNode } from '../../src/lab/compare/topology.js';
import type { CompareResult, CompareRow } from '../../src/lab/compare/types.js';
import { ftpClients, ftpCurlArgv } from '../../src/lab/compare/ftp-check.js';
import { COMPARE_COLUMNS, compareJson, compareTable } from '../../src/present/compare.js';
import { COMPARE_CHARTS, renderCompareHtml } from '../../src/report/compare-html.js';
import type { Evidence } from '../../src/scenario/evidence.js';
import { SCHEME_NAMES } from '../../src/schemes/registry.js';
import { parseTopology } from '../../src/topology-file/load.js';
import { UsageError, exitCodeOf } from '../../src/util/errors.js';

const row = (scheme: string, over: Partial<CompareRow> = {}): CompareRow => ({
  scheme,
  throughput_rps: 900,
  latency_ms: { p50: 2.5, p99: 20 },
  added_p50_ms: 0.8,
  connections_per_request: 1,
  dns_queries_per_request: 0,
  dispatcher_state_peak: 0,
  dispatcher_bytes_per_byte: 0.004,
  failure: { own_clients_errors: 2, other_clients_errors: 0, recovered_ms: 480 },
  ftp: { passive: true, active: true },
  single_address: true,
  ...over,
});

const result = (): CompareResult => ({
  rows: [row('routing'), row('broadcast', { dispatcher_bytes_per_byte: 0, added_p50_ms: null, failure: { own_clients_errors: 0, other_clients_errors: 0, recovered_ms: null } })],
  details: [{ scheme: 'routing', lab: 'cmp0routin', dispatcher: 'dispatcher', peers: ['10.0.0.100'], verdicts: [{ name: 'failover of s1', pass: true, detail: 'x' }], steady_errors: 0 }],
  settings: { schemes: ['routing', 'broadcast'], servers: 4, durationMs: 5000, rate: 200, failure: 'kill s1', backend: 'netns' },
});

function usage(t: Test, flags: Parameters<typeof parseCompareFlags>[0], flag: string): void {
  try {
    parseCompareFlags(flags);
    t.fail(`${JSON.stringify(flags)}: accepted`);
  } catch (e) {
    t.ok(e instanceof UsageError && exitCodeOf(e) === 2, `${JSON.stringify(flags)}: a usage error (exit 2)`);
    t.match((e as Error).message, new RegExp(`^${flag}: `), `names ${flag}: ${(e as Error).message}`);
  }
}

t.test('flags: defaults, and each bad value names its flag', async (t) => {
  const o = parseCompareFlags({});
  t.strictSame(o.schemes, SCHEME_NAMES, 'every registered scheme by default');
  t.match(o, { servers: 4, durationMs: 5000, rate: 200, prefix: 'cmp', failure: { kind: 'kill', node: 's1', text: 'kill s1' } });
  t.match(parseCompareFlags({ failure: 'link:s2:down', shape: '100mbit', servers: '3' }), { servers: 3, failure: { kind: 'link', node: 's2', up: false }, shape: { rate: '100mbit', rateBits: 100e6 } });
  usage(t, { schemes: 'routing,nope' }, '--schemes');
  usage(t, { schemes: 'routing,,broadcast' }, '--schemes');
  usage(t, { schemes: 'routing,routing' }, '--schemes');
  usage(t, { duration: 'soon' }, '--duration');
  usage(t, { duration: '0s' }, '--duration');
  usage(t, { rate: '-5' }, '--rate');
  usage(t, { shape: 'fast' }, '--shape');
  usage(t, { failure: 'explode:s1' }, '--failure');
  usage(t, { failure: 'kill' }, '--failure');
  usage(t, { failure: 'revive:s1' }, '--failure');
  usage(t, { servers: '1' }, '--servers');
  usage(t, { servers: 'many' }, '--servers');
  usage(t, { name: 'Bad-Name' }, '--name');
  usage(t, { backend: 'vmware' }, '--backend');
});

t.test('the plan of a run: a lab name per scheme, the failure checked against each topology', async (t) => {
  t.equal(compareLabName('cmp', 0, 'routing'), 'cmp0routin');
  t.equal(compareLabName('hc', 1, 'tcp-router'), 'hc1tcprout');
  const plan = comparePlan(parseCompareFlags({ schemes: 'routing,broadcast', name: 'hc', servers: '3' }));
  t.strictSame(plan.map((p) => [p.name, p.topology.scheme, p.topology.servers.length, p.topology.ftp, p.topology.name]), [
    ['hc0routing', 'routing', 3, true, 'hc0routing'],
    ['hc1broadca', 'broadcast', 3, true, 'hc1broadca'],
  ]);
  t.throws(() => comparePlan(parseCompareFlags({ schemes: 'routing', failure: 'kill:s7' })), /^--failure: no node "s7"/);
  t.throws(() => comparePlan(parseCompareFlags({ schemes: 'routing', failure: 'kill:client' })), /^--failure: the client runs the load/);
});

t.test('the dispatcher node: derived from the scheme, none when every server dispatches', async (t) => {
  t.equal(dispatcherNode(parseTopology('name: a\nscheme: routing\n', 'a.yaml'))?.name, 'dispatcher');
  t.equal(dispatcherNode(parseTopology('name: a\nscheme: routing\ndispatcher: router\n', 'a.yaml'))?.name, 'router');
  t.equal(dispatcherNode(parseTopology('name: a\nscheme: broadcast\n', 'a.yaml')), undefined);
});

t.test('--json is exactly {rows: [...]} with the fields of the issue', async (t) => {
  const json = JSON.parse(JSON.stringify(compareJson(result())));
  t.strictSame(Object.keys(json), ['rows']);
  t.strictSame(Object.keys(json.rows[0]).sort(), ['added_p50_ms', 'connections_per_request', 'dispatcher_bytes_per_byte', 'dispatcher_state_peak', 'dns_queries_per_request', 'failure', 'ftp', 'latency_ms', 'scheme', 'single_address', 'throughput_rps']);
  t.strictSame(Object.keys(json.rows[0].latency_ms), ['p50', 'p99']);
  t.strictSame(Object.keys(json.rows[0].failure), ['own_clients_errors', 'other_clients_errors', 'recovered_ms']);
  t.strictSame(Object.keys(json.rows[0].ftp), ['passive', 'active']);
});

t.test('the table: a column per figure, a row per scheme', async (t) => {
  const text = compareTable(result().rows);
  const lines = text.split('\n');
  for (const [h] of COMPARE_COLUMNS) t.match(lines[1], h, `heading ${h}`);
  t.match(text, /│ routing +│ 900 +│ 2\.50 +│ 20\.00 +│ 0\.80 +│ 1 +│ 0 +│ 0 +│ 0\.004 +│ 2 +│ 0 +│ 480 +│ yes +│ yes +│ yes +│/);
  t.match(text, /│ broadcast .*│ - +│.*│ never +│/, 'unmeasured figures say so');
});

t.test('the page: one chart per figure, a bar per measured scheme', async (t) => {
  const html = renderCompareHtml(result());
  t.notMatch(html, /<script|https?:\/\//, 'self-contained');
  for (const c of COMPARE_CHARTS) {
    const svg = new RegExp(`<svg[^>]*data-chart="${c.name}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
    t.ok(svg, `chart ${c.name}`);
    const unmeasured = result().rows.filter((r) => c.value(r) === null).length;
    t.equal(svg.match(/<rect class="bar"/g)?.length ?? 0, 2 - unmeasured, `${c.name}: a bar per measured scheme`);
  }
});

t.test('failure figures: own and others\' errors after the failure, served again after the last error and the reaction', async (t) => {
  const topology = parseTopology('name: a\nscheme: routing\n', 'a.yaml');
  const homes: Record<string, string> = { a: 's1', b: 's2' };
  const requests = [
    { client: 'a', start: 900, end: 905, error: 'timeout' }, // before the failure: not counted
    { client: 'a', start: 1010, end: 3010, error: 'timeout' },
    { client: 'b', start: 1020, end: 1025, server: 's2' },
    { client: 'a', start: 1300, end: 3300, error: 'timeout' },
    { client: 'a', start: 1350, end: 1360, server: 's0' }, // answered, but before the last error
    { client: 'a', start: 1500, end: 1505, server: 's0' },
    { client: 'b', start: 1600, end: 1605, error: 'reset' },
  ];
  const e = {
    scenario: { topology },
    requests,
    windows: [{ start: 1000, end: 1400, action: { entry: { action: { kind: 'kill', node: 's1', text: 'kill s1' } } }, reaction: { t: 1400 } }],
    home: (c: string) => homes[c]!,
  } as unknown as Evidence;
  t.strictSame(failureFigures(e), { own_clients_errors: 2, other_clients_errors: 1, recovered_ms: 500 });
});

t.test('small parts: the peer set JSON, the FTP clients and curl lines', async (t) => {
  const json = '{"nftables": [{"metainfo": {}}, {"set": {"family": "ip", "name": "peers", "elem": ["10.0.1.10", "10.0.0.100"]}}]}';
  t.strictSame(peersOfJson(json), ['10.0.0.100', '10.0.1.10']);
  t.strictSame(peersOfJson('{"nftables": [{"set": {"name": "peers"}}]}'), []);
  t.strictSame(ftpClients('198.18.128.0/17', 3), ['198.18.128.1', '198.18.128.2', '198.18.128.3']);
  t.strictSame(ftpCurlArgv('passive', '198.18.128.1', '10.0.0.100').slice(6), ['--disable-epsv', '--no-ftp-skip-pasv-ip', 'ftp://10.0.0.100/oneip.txt']);
  t.strictSame(ftpCurlArgv('active', '198.18.128.1', '10.0.0.100').slice(6), ['--disable-eprt', '-P', '-', 'ftp://10.0.0.100/oneip.txt']);
});

t.test('the state probe counts the conntrack entries of connections to the published address, not watchd\'s probes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-ct-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const table = join(dir, 'nf_conntrack');
  writeFileSync(table, [
    'ipv4     2 tcp      6 117 SYN_SENT src=198.18.0.1 dst=10.0.1.10 sport=61099 dport=80 [UNREPLIED] src=10.0.1.10 dst=198.18.0.1 sport=80 dport=61099 mark=0 use=2',
    'ipv4     2 tcp      6 117 TIME_WAIT src=198.18.128.5 dst=10.0.0.100 sport=40000 dport=80 src=10.0.1.11 dst=198.18.128.5 sport=80 dport=40000 [ASSURED] mark=0 use=2',
    'ipv4     2 tcp      6 117 TIME_WAIT src=198.18.128.6 dst=10.0.0.100 sport=40001 dport=80 src=10.0.1.12 dst=198.18.128.6 sport=80 dport=40001 [ASSURED] mark=0 use=2',
    'ipv4     2 tcp      6 117 TIME_WAIT src=10.0.1.12 dst=198.18.128.7 sport=80 dport=1 src=198.18.128.7 dst=10.0.0.100 sport=1 dport=80 mark=0 use=2',
  ].join('\n') + '\n');
  const out = execFileSync('sh', ['-c', dispatcherStateScript('10.0.0.100', table)], { encoding: 'utf8' });
  t.equal(out.split('\n')[0], '2', 'two entries whose original destination is the ghost');
});
