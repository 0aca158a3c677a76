// The bench HTML report: both charts, every server, self-contained (no http(s) references), hostile text escaped.
import t from 'tap';
import type { BenchResult } from '../../src/report/bench-result.js';
import { esc } from '../../src/report/escape.js';
import { renderBenchHtml } from '../../src/report/html.js';
import { niceTicks } from '../../src/report/svg-format.js';

const SERVERS = ['s0', 's1', 's2', 's3'];

/** A plausible 5 s run: 4 servers, 50 timeline points of 100 ms, a few errors. */
function fakeResult(lab = 'demo'): BenchResult {
  const timeline = Array.from({ length: 50 }, (_, i) => {
    const servers = Object.fromEntries(SERVERS.map((s, k) => [s, 20 + k * 3 + (i % 5)]));
    const ok = Object.values(servers).reduce((a, v) => a + v, 0);
    return { t_ms: i * 100, ok, errors: i % 10 === 7 ? 3 : 0, servers };
  });
  const requests = (s: number): number => timeline.reduce((a, p) => a + p.servers[SERVERS[s]!]!, 0);
  const ok = timeline.reduce((a, p) => a + p.ok, 0);
  return {
    lab,
    scheme: 'routing',
    function: 'modulo',
    backend: 'netns',
    target: '10.99.0.1:80',
    mode: 'close',
    loop: { kind: 'open', rate: 1000 },
    duration_s: 5,
    start_epoch_ms: 0,
    clients_count: 64,
    requests: { sent: ok + 15, ok, errors: 15 },
    errors_by_kind: { refused: 0, reset: 5, timeout: 10, other: 0 },
    mismatches: 0,
    throughput_rps: ok / 5,
    latency_ms: { p50: 0.8, p90: 1.4, p99: 3.2, p999: 9.9, max: 12.5 },
    servers: Object.fromEntries(SERVERS.map((s, k) => [s, { requests: requests(k), clients: 16, predicted_share: 0.25 }])),
    fairness: 0.98,
    errors_by_home: Object.fromEntries(SERVERS.map((s, k) => [s, { ok: requests(k), errors: k === 2 ? 15 : 0 }])),
    timeline,
  };
}

/** The markup of the svg with data-chart=name. */
function chart(html: string, name: string): string {
  const m = new RegExp(`<svg[^>]*data-chart="${name}"[\\s\\S]*?</svg>`).exec(html);
  return m?.[0] ?? '';
}

t.test('a full result renders both charts and every server', async (t) => {
  const html = renderBenchHtml(fakeResult());
  t.match(html, /^<!doctype html>/);
  t.match(html, /<title>oneip-lab bench: demo \(routing \/ modulo on netns\)<\/title>/);
  const servers = chart(html, 'servers');
  const timeline = chart(html, 'timeline');
  t.ok(servers, 'servers chart present');
  t.ok(timeline, 'timeline chart present');
  t.equal(servers.match(/<rect class="bar"/g)?.length, 4, 'one bar per server');
  t.equal(servers.match(/<line class="predicted" data-server/g)?.length, 4, 'one predicted marker per server');
  t.equal(timeline.match(/<path class="area"/g)?.length, 4, 'one band per server');
  t.match(timeline, /<path class="throughput" d="M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){49}"/, '50 points on the throughput line');
  t.match(timeline, /<path class="errors" d="M/, 'errors line');
  for (const s of SERVERS) {
    t.match(servers, new RegExp(`>${s}</text>`), `${s} labelled in the distribution`);
    t.match(timeline, new RegExp(`>${s}</text>`), `${s} in the timeline legend`);
  }
  t.match(html, /<table class="summary"/);
  t.match(html, /<td>0\.980<\/td>/, 'fairness shown');
  t.match(html, /<td>12\.50<\/td>/, 'max latency shown');
  t.match(html, /<td class="name">timeout<\/td><td class="bad">10<\/td>/, 'errors by kind');
  t.match(html, /<td class="name">s2<\/td><td>[\d,]+<\/td><td class="bad">15<\/td>/, 'errors by home');
});

t.test('the page is self-contained', async (t) => {
  const html = renderBenchHtml(fakeResult());
  t.notMatch(html, /https?:\/\//i, 'no http(s) reference at all');
  t.notMatch(html, /<script|<link|<img|<iframe|@import|url\(/i, 'no script, link, image or url()');
  t.notMatch(html, /NaN|Infinity|undefined/, 'no broken numbers');
});

t.test('hostile text is escaped', async (t) => {
  const evil = `<script>alert("x")</script>&'`;
  const r = fakeResult(evil);
  r.servers[`<img src=x onerror=1>`] = { requests: 5, clients: 1, predicted_share: 0 };
  r.errors_by_kind[`"><b>`] = 1;
  const html = renderBenchHtml(r);
  t.notMatch(html, /<script|<img|<b>/i, 'no injected element');
  t.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;&amp;&#39;/, 'lab name escaped');
  t.match(html, /data-server="&lt;img src=x onerror=1&gt;"/, 'server name escaped in attributes');
  t.equal(esc(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
});

t.test('an empty result still renders', async (t) => {
  const r = fakeResult();
  r.servers = {};
  r.timeline = [];
  r.errors_by_home = {};
  r.errors_by_kind = {};
  r.latency_ms = { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN };
  const html = renderBenchHtml(r);
  t.match(chart(html, 'servers'), /no server answered/);
  t.match(chart(html, 'timeline'), /no timeline recorded/);
  t.notMatch(html, /NaN|Infinity/);
});

t.test('nice ticks cover the maximum with round steps', async (t) => {
  t.same(niceTicks(0.27, 5), [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]);
  t.same(niceTicks(1000, 5), [0, 200, 400, 600, 800, 1000]);
  t.same(niceTicks(0, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});
