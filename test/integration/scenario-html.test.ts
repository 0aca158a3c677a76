// `lab run scenarios/server-failover.yaml --html FILE` on netns: the page's timeline has the kill and revive markers and watchd's reactions, and headless chromium renders it.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { chromiumStatus, domDump, screenshotHtml } from '../../src/report/render-check.js';
import { lab, leftovers, needsRoot } from '../helpers/cli.js';

const chromium = chromiumStatus();
const inCI = !!process.env.CI && !['false', '0'].includes(process.env.CI);

const markers = (html: string, kind: string): string[] => [...html.matchAll(new RegExp(`<g class="marker" data-kind="${kind}" data-label="([^"]*)"`, 'g'))].map((m) => m[1]!);

t.test('lab run --html: markers at the kill, the revive and watchd reactions; rendered by chromium', { skip: needsRoot || (!chromium.ok && !inCI ? chromium.reason : false) }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-run-html-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const page = join(dir, 'r.html');
  const r = lab(['run', 'scenarios/server-failover.yaml', '--backend', 'netns', '--name', 'a14html', '--html', page]);
  // the page is written whatever the verdicts (a revive slowed by a busy machine can fail a shares assertion): 0 or 1, never an error
  t.ok(r.code === 0 || r.code === 1, `the scenario ran (exit ${r.code})\n${r.stdout.slice(-600)}\n${r.stderr.slice(-800)}`);
  t.same(leftovers('a14html'), [], 'its lab is gone');
  const html = readFileSync(page, 'utf8');
  t.notMatch(html, /<script|https?:\/\//, 'self-contained: no scripts, no fetched resources');
  t.same(markers(html, 'action'), ['kill s1', 'revive s1'], 'a marker at each action');
  const watchd = markers(html, 'watchd');
  t.ok(watchd.includes('reconfigured: s1 out') && watchd.includes('reconfigured: s1 back'), `watchd's reactions marked: ${watchd.join('; ')}`);
  t.match(html, /<table class="phases"/, 'the phase table');
  t.match(html, /PASS<\/span> <b>failover of s1/, 'the verdicts');
  t.equal(/<p class="(pass|fail)">/.exec(html)?.[1], r.code === 0 ? 'pass' : 'fail', 'the page says what the exit code says');

  if (!chromium.ok) return void t.fail(`the render check must run in CI, but ${chromium.reason}`);
  const dom = await domDump(page);
  const svg = /<svg[^>]*data-chart="timeline"[\s\S]*?<\/svg>/.exec(dom)?.[0] ?? '';
  t.same(markers(svg, 'action'), ['kill s1', 'revive s1'], 'the rendered SVG has the kill and revive markers');
  const png = join(dir, 'r.png');
  await screenshotHtml(page, png);
  t.ok(statSync(png).size > 10_000, 'a non-trivial screenshot');
});
