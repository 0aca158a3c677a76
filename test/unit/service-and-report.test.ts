// The user's service in topology files (schema, placeholders, health), the DNS client's wire format, and the scenario page's markers.
import t from 'tap';
import { parseTopology } from '../../src/topology-file/load.js';
import { expandCommand } from '../../src/server/service-spec.js';
import { decodeAnswer, encodeQuery } from '../../src/server/dns-query.js';
import { proberConfig } from '../../src/watchd/config.js';
import { renderScenarioHtml } from '../../src/report/scenario-html.js';
import type { ScenarioReport } from '../../src/scenario/run.js';
import { readFileSync } from 'node:fs';

t.test('topologies/dns-service.yaml: dnsmasq per server, UDP 53, a DNS health probe that watchd uses', async (t) => {
  const topo = parseTopology(readFileSync('topologies/dns-service.yaml', 'utf8'), 'topologies/dns-service.yaml');
  t.equal(topo.server, 'command');
  t.same(topo.service?.health, { kind: 'dns', name: 'who.lab', type: 'TXT' });
  t.equal(topo.service?.protocol, 'udp');
  const s2 = topo.servers[2]!;
  const argv = expandCommand(topo.service!.command, { name: s2.name, index: 2, address: s2.address, ghost: topo.ghost, port: 53, lab: 'dns', dir: '/run/x' });
  t.ok(argv.includes('--listen-address=10.0.0.100,10.0.1.12'), 'ghost and address filled in');
  t.ok(argv.includes('--txt-record=who.lab,s2'), 'name filled in');
  const cfg = proberConfig(topo);
  t.same(cfg.servers[2], { name: 's2', address: '10.0.1.12', port: 53, health: { kind: 'dns', name: 'who.lab', type: 'TXT' } }, "watchd's prober asks the service the topology names");
  t.same(proberConfig(parseTopology('name: x\nscheme: routing\n', 'x')).servers[0], { name: 's0', address: '10.0.1.10', port: 80 }, 'the built-in servers keep GET /health');
});

t.test('bad service fields: one located error each', async (t) => {
  const bad: [string, RegExp][] = [
    ['server: {command: [x, "{nme}"], port: 53}', /server\.command\.1: unknown placeholder \{nme\}/],
    ['server: {command: [x], port: 53, protocol: udp}', /server\.health: a UDP service needs a probe that speaks UDP/],
    ['server: {command: [x], port: 70000}', /server\.port: must be a port 1\.\.65535/],
    ['server: {command: [], port: 53}', /server\.command: needs at least the program/],
    ['server: apache', /server: must be one of node \| nginx, got "apache"/],
  ];
  for (const [line, message] of bad) t.throws(() => parseTopology(`name: x\nscheme: routing\n${line}\n`, 'f.yaml'), { message }, line);
  const tcp = parseTopology('name: x\nscheme: routing\nserver: {command: [srv], port: 8080}\n', 'f.yaml');
  t.same(tcp.service, { command: ['srv'], port: 8080, protocol: 'tcp', health: { kind: 'tcp' } }, 'a TCP service defaults to a TCP connect probe');
});

t.test('the DNS client: a query, and a TXT answer read back (with name compression)', async (t) => {
  const q = encodeQuery(0x1234, 'who.lab', 'TXT');
  t.same([...q.subarray(12, 21)], [3, 119, 104, 111, 3, 108, 97, 98, 0], 'QNAME who.lab');
  t.equal(q.readUInt16BE(21), 16, 'QTYPE TXT');
  const answer = Buffer.concat([q.subarray(0, 21), Buffer.from([0, 16, 0, 1]), Buffer.from([0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 0, 0, 3, 2, 115, 51])]);
  answer.writeUInt16BE(0x8180, 2);
  answer.writeUInt16BE(1, 6);
  t.same(decodeAnswer(answer, 0x1234), { rcode: 0, answers: ['s3'] });
  t.throws(() => decodeAnswer(answer, 0x9999), /not the answer/);
});

t.test('the scenario page: one marker per action and watchd reaction, inside the timeline', async (t) => {
  const timeline = Array.from({ length: 60 }, (_, i) => ({ t_ms: i * 100, ok: 60, errors: i === 31 ? 2 : 0, servers: { s0: 20, s2: 20, s3: 20 } }));
  const r = {
    file: 'scenarios/x.yaml', description: 'd', changes: [], lab: 'x', backend: 'netns', scheme: 'routing', function: 'modulo',
    requests: { sent: 3602, ok: 3600, errors: 2 }, errors_by_kind: { timeout: 2 }, throughput_rps: 600,
    phases: [{ name: 'all up', from_s: 0, to_s: 3, sent: 1800, errors: 0, servers: { s0: 600, s2: 600, s3: 600 } }],
    failovers: [], broken_by_change_back: 0, passed: false,
    assertions: [{ name: 'accounted', pass: true, detail: 'ok' }, { name: 'follows-model', pass: false, detail: 'a <b> c' }],
    timeline, start_epoch_ms: 0,
    marks: [{ t_ms: 3000, kind: 'action', label: 'kill s1' }, { t_ms: 3480, kind: 'watchd', label: 'reconfigured: s1 out' }, { t_ms: 99_000, kind: 'action', label: 'outside' }],
  } as ScenarioReport;
  const html = renderScenarioHtml(r);
  const marks = [...html.matchAll(/<g class="marker" data-kind="(\w+)" data-label="([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
  t.same(marks, ['action kill s1', 'watchd reconfigured: s1 out'], 'markers inside the run, in order');
  t.match(html, /errors per 100 ms/, 'counts per 100 ms bucket');
  t.match(html, /FAIL<\/span> <b>follows-model<\/b>: a &lt;b&gt; c/, 'verdicts escaped');
  const x = (label: string): number => Number(new RegExp(`data-label="${label}"[^>]*>(?:<title>[^<]*</title>)?<line x1="([\\d.]+)"`).exec(html)![1]);
  t.ok(x('kill s1') < x('reconfigured: s1 out'), 'a later marker sits further right');
});
