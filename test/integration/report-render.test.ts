// The bench HTML report in headless chromium (file:// only): charts in the rendered DOM, a non-trivial screenshot; never skips in CI.
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { BenchResult } from '../../src/report/bench-result.js';
import { renderBenchHtml } from '../../src/report/html.js';
import { chromiumStatus, domDump, screenshotHtml } from '../../src/report/render-check.js';

const SERVERS = ['web-1', 'web-2', 'web-3', 'web-10', 'unknown'];

/** A 6 s closed-loop run over 5 servers (one of them "unknown"), with an error burst in the middle. */
function result(): BenchResult {
  const timeline = Array.from({ length: 60 }, (_, i) => {
    const servers = Object.fromEntries(SERVERS.map((s, k) => [s, s === 'unknown' ? i % 20 === 3 ? 1 : 0 : 30 + 4 * k + Math.round(6 * Math.sin(i / 4 + k))]));
    const ok = Object.values(servers).reduce((a, v) => a + v, 0);
    return { t_ms: i * 100, ok, errors: i >= 30 && i < 34 ? 12 : 0, servers };
  });
  const requests = (s: string): number => timeline.reduce((a, p) => a + p.servers[s]!, 0);
  const ok = timeline.reduce((a, p) => a + p.ok, 0);
  const real = SERVERS.filter((s) => s !== 'unknown');
  return {
    lab: 'render-check <lab>',
    scheme: 'broadcast',
    function: 'table',
    backend: 'docker',
    target: '10.99.0.1:80',
    mode: 'keepalive',
    loop: { kind: 'closed', concurrency: 32 },
    duration_s: 6,
    start_epoch_ms: 0,
    clients_count: 200,
    requests: { sent: ok + 48, ok, errors: 48 },
    errors_by_kind: { refused: 0, reset: 0, timeout: 48, other: 0 },
    mismatches: 2,
    throughput_rps: ok / 6,
    latency_ms: { p50: 1.1, p90: 2.3, p99: 7.4, p999: 31.2, max: 55.0 },
    servers: Object.fromEntries(SERVERS.map((s) => [s, { requests: requests(s), clients: s === 'unknown' ? 3 : 50, predicted_share: s === 'unknown' ? 0 : 1 / real.length }])),
    fairness: 0.97,
    errors_by_home: Object.fromEntries(real.map((s, k) => [s, { ok: requests(s), errors: k === 1 ? 48 : 0 }])),
    timeline,
  };
}

function chart(dom: string, name: string): string {
  return new RegExp(`<svg[^>]*data-chart="${name}"[\\s\\S]*?</svg>`).exec(dom)?.[0] ?? '';
}

const chromium = chromiumStatus();
const inCI = !!process.env.CI && !['false', '0'].includes(process.env.CI);

if (!chromium.ok && inCI) {
  // CI installs chromium (.ci/run): not finding it there is a failure, never a skip
  t.fail(`the report render check must run in CI, but ${chromium.reason}`);
} else if (!chromium.ok) {
  t.plan(0, `skipping the report render check: ${chromium.reason}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'olab-report-test-'));
  const html = join(dir, 'report.html');
  writeFileSync(html, renderBenchHtml(result()));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  t.test('chromium renders both charts', async (t) => {
    const dom = await domDump(html);
    const servers = chart(dom, 'servers');
    const timeline = chart(dom, 'timeline');
    t.ok(servers, 'servers chart in the DOM');
    t.ok(timeline, 'timeline chart in the DOM');
    t.equal(servers.match(/<rect class="bar"/g)?.length, SERVERS.length, 'one bar per server');
    for (const s of SERVERS) t.match(servers, new RegExp(`<rect class="bar" data-server="${s}"`), `bar for ${s}`);
    t.match(timeline, /<path class="throughput" d="M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){59}"/, 'timeline path with 60 points');
    t.match(dom, /<h1>oneip-lab bench: render-check &lt;lab&gt; \(broadcast \/ table on docker\)<\/h1>/, 'title escaped');
  });

  t.test('chromium screenshots a non-trivial page', async (t) => {
    const png = join(dir, 'report.png');
    await screenshotHtml(html, png);
    const size = statSync(png).size;
    t.ok(size > 10_000, `PNG is ${size} bytes (> 10 kB)`);
    if (process.env.OLAB_KEEP_SCREENSHOT) copyFileSync(png, process.env.OLAB_KEEP_SCREENSHOT);
  });
}
