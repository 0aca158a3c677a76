// `lab graph --name` on a running lab with a killed server: the SVG marks it down, and renders in headless chromium with every node.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { actionFromWords, runAction } from '../../src/lab/actions.js';
import { chromiumStatus, domDump, screenshotHtml } from '../../src/report/render-check.js';
import { lab as cli, needsRoot } from '../helpers/cli.js';
import { startLab } from '../helpers/lab-fixture.js';

const chromium = chromiumStatus();
const inCI = !!process.env.CI && !['false', '0'].includes(process.env.CI);

t.test('lab graph of a running lab with s1 killed, rendered in chromium', { skip: needsRoot }, async (t) => {
  if (!chromium.ok && inCI) return t.fail(`the graph render check must run in CI, but ${chromium.reason}`);
  const lab = await startLab(t, 't14g', 'scheme: broadcast\nservers: 3\n', 'netns');
  await runAction(lab, actionFromWords(['kill', 's1']));
  const dir = mkdtempSync(join(tmpdir(), 'olab-graph-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const svgFile = join(dir, 'lab.svg');
  const r = cli(['graph', '--name', 't14g', '-o', svgFile]);
  t.equal(r.code, 0, `lab graph exit 0 (${r.stderr.trim()})`);
  const svg = readFileSync(svgFile, 'utf8');
  t.match(svg, /<g data-node="s1" data-role="server" data-condition="killed">/, 'the killed server is drawn down');
  for (const n of ['client', 'router', 's0', 's2']) t.match(svg, new RegExp(`<g data-node="${n}" data-role="\\w+" data-condition="up">`), `${n} drawn up`);
  if (!chromium.ok) return t.comment(`skipping the chromium render: ${chromium.reason}`);
  const html = join(dir, 'lab.html');
  writeFileSync(html, `<!doctype html><html><head><meta charset="utf-8"><title>graph</title></head><body>${svg}</body></html>`);
  const dom = await domDump(html);
  for (const n of lab.state.topology.nodes) t.match(dom, `data-node="${n.name}"`, `${n.name} in the rendered DOM`);
  t.match(dom, 'data-ghost="10.0.0.100"', 'the ghost in the rendered DOM');
  t.match(dom, /data-network="lan"[\s\S]*data-network="cl"|data-network="cl"[\s\S]*data-network="lan"/, 'both networks');
  const png = join(dir, 'lab.png');
  await screenshotHtml(html, png);
  t.ok(statSync(png).size > 10_000, `a non-trivial screenshot (${statSync(png).size} bytes)`);
});
