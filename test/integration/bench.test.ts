// `lab bench` through the ghost on both schemes and backends: no errors, no mismatches, shares as the model predicts; bad flags exit 2.
import t from 'tap';
import { runBench } from '../../src/lab/bench.js';
import { lab as cli } from '../helpers/cli.js';
import { backendCases, startLab } from '../helpers/lab-fixture.js';

for (const { backend, skip } of await backendCases()) {
  for (const scheme of ['routing', 'broadcast'] as const) {
    t.test(`${backend}: bench on the ${scheme} scheme, 4 servers`, { skip }, async (t) => {
      const lab = await startLab(t, `bn${scheme[0]}${backend[0]}`, `scheme: ${scheme}\nservers: 4\n`, backend);
      for (const mode of ['close', 'keepalive']) {
        const r = await runBench(lab, { duration: '3s', concurrency: '32', mode, clients: '500' });
        t.ok(r.requests.ok > 0, `${mode}: ${r.requests.ok} requests answered (${r.throughput_rps.toFixed(0)} req/s)`);
        t.equal(r.requests.sent, r.requests.ok + r.requests.errors, `${mode}: every request accounted for`);
        t.equal(r.requests.errors, 0, `${mode}: no errors (${JSON.stringify(r.errors_by_kind)})`);
        t.equal(r.mismatches, 0, `${mode}: every reply came from the server the model predicts for its client`);
        const total = Object.values(r.servers).reduce((a, s) => a + s.requests, 0);
        // round robin over the addresses: each sends the same number of requests, give or take one
        const slack = r.clients_count / total + 1e-9;
        for (const [name, s] of Object.entries(r.servers)) {
          t.ok(Math.abs(s.requests / total - s.predicted_share) <= slack, `${mode}: ${name} share ${(s.requests / total).toFixed(4)} = model ${s.predicted_share.toFixed(4)}`);
        }
        t.ok(r.timeline.length >= 20, `${mode}: a 100 ms timeline (${r.timeline.length} points)`);
        const c = r.connections!;
        t.equal(c.broken, 0, `${mode}: no connection broke`);
        t.equal(c.opened, c.completed, `${mode}: every connection completed`);
        t.equal(c.switched_server, 0, `${mode}: no connection answered by two servers`);
        if (mode === 'close') t.equal(c.opened, r.requests.sent, 'close: a connection per request');
        else {
          const recs = r.connection_records ?? [];
          t.equal(recs.length, c.opened, 'keepalive: a record per connection');
          t.ok(c.opened < r.requests.sent, `keepalive: connections (${c.opened}) carried many requests (${r.requests.sent})`);
          t.ok(recs.every((x) => x.servers.length === 1 && x.end === 'run_end'), 'keepalive: each connection lasted the run, answered by one server');
          t.equal(recs.reduce((a, x) => a + x.requests, 0), r.requests.ok, 'keepalive: the responses over connections add up');
        }
      }
    });
  }
}

t.test('bad bench flags: one clear error each, exit 2', { skip: (await backendCases())[0]!.skip }, async (t) => {
  await startLab(t, 'bnflags', 'scheme: routing\nservers: 2\n', 'netns');
  const cases: [string[], RegExp][] = [
    [['--rate', '0'], /--rate/],
    [['--rate', '-5'], /--rate/],
    [['--mode', 'pipelined'], /--mode/],
    [['--rate', '100', '--concurrency', '10'], /--rate|--concurrency/],
    [['--clients-from', '/no/such/file.txt'], /--clients-from.*\/no\/such\/file\.txt/],
    [['--duration', 'soon'], /--duration/],
  ];
  for (const [flags, pattern] of cases) {
    const r = cli(['bench', '--name', 'bnflags', ...flags]);
    t.equal(r.code, 2, `${flags.join(' ')}: exit 2`);
    const lines = r.stderr.trim().split('\n').filter((l) => !/^lab: (building|installing)/.test(l));
    t.equal(lines.length, 1, `${flags.join(' ')}: one line: ${r.stderr.trim()}`);
    t.match(lines[0], pattern, `${flags.join(' ')}: names the flag`);
  }
});

t.test('bench --json --html through the command line: the report renders in headless chromium with both charts', { skip: (await backendCases())[0]!.skip }, async (t) => {
  const { chromiumStatus, domDump } = await import('../../src/report/render-check.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  await startLab(t, 'bnhtml', 'scheme: broadcast\nservers: 3\n', 'netns');
  const html = join(mkdtempSync(join(tmpdir(), 'olab-html-')), 'bench.html');
  const r = cli(['bench', '--name', 'bnhtml', '--duration', '2s', '--json', '--html', html]);
  t.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  for (const key of ['requests', 'errors_by_kind', 'mismatches', 'throughput_rps', 'latency_ms', 'servers', 'fairness', 'errors_by_home', 'timeline']) t.ok(key in json, `JSON has ${key}`);
  t.same(Object.keys(json.latency_ms).sort(), ['max', 'p50', 'p90', 'p99', 'p999']);
  const chromium = await chromiumStatus();
  if (!chromium.ok && !process.env.CI) return void t.skip(`no chromium: ${chromium.reason}`, async () => {});
  const dom = await domDump(html);
  t.match(dom, /data-chart="servers"/, 'per-server chart rendered');
  t.match(dom, /data-chart="timeline"/, 'timeline chart rendered');
  for (const s of ['s0', 's1', 's2']) t.match(dom, new RegExp(`data-server="${s}"`), `a bar for ${s}`);
});
