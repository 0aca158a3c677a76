// `lab compare --schemes routing,broadcast` on netns through the real command line: runs to the end, and its rows hold the relations the paper claims (relations only, never times).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { dispatcherState } from '../../src/lab/compare/probes.js';
import { runBench } from '../../src/lab/bench.js';
import type { CompareJson } from '../../src/lab/compare/types.js';
import { STEADY_VERDICT } from '../../src/lab/compare/run.js';
import { COMPARE_CHARTS } from '../../src/report/compare-html.js';
import { chromiumStatus, domDump } from '../../src/report/render-check.js';
import { startLab } from '../helpers/lab-fixture.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAB, ROOT, lab, labChild, leftovers, needsRoot } from '../helpers/cli.js';

const chromium = chromiumStatus();

/** `./lab args` with a longer deadline than the helper's 3 minutes: two labs, five runs each, on a busy machine. */
function longLab(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(LAB, args, { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n(${r.error.message})` : ''}` };
}
const inCI = !!process.env.CI && !['false', '0'].includes(process.env.CI);
const LABS = ['hc0routing', 'hc1broadca'];

t.test('bad flags exit 2 naming the flag, and build nothing', async (t) => {
  const cases: [string[], string][] = [
    [['--schemes', 'routing,nosuch'], '--schemes'],
    [['--duration', 'soon'], '--duration'],
    [['--rate', 'fast'], '--rate'],
    [['--shape', '10 apples'], '--shape'],
    [['--failure', 'explode:s1'], '--failure'],
    [['--failure', 'kill:s9'], '--failure'],
    [['--name', 'Bad-Name'], '--name'],
  ];
  for (const [args, flag] of cases) {
    const r = lab(['compare', '--name', 'hc', ...args]);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, new RegExp(`lab: ${flag}: `), `${args.join(' ')}: names ${flag}: ${r.stderr.trim().split('\n').at(-1)}`);
  }
  for (const name of LABS) t.same(leftovers(name), [], `no ${name} was built`);
});

t.test('the state probe counts conntrack entries where a dispatcher tracks connections (so 0 below means none)', { skip: needsRoot }, async (t) => {
  const l = await startLab(t, 'hcprobe', 'scheme: routing\nbackend: netns\nservers: 2\nwatchd: {enabled: false}\n');
  t.equal(await dispatcherState(l, 'dispatcher', l.state.topology.ghost), 0, 'nothing tracked before');
  const on = await l.exec('dispatcher', ['sh', '-c', 'nft add table ip hcct && nft add chain ip hcct c "{ type filter hook prerouting priority 0; policy accept; }" && nft add rule ip hcct c ct state new counter']);
  t.equal(on.exitCode, 0, `conntrack switched on in the dispatcher: ${on.stderr}`);
  await runBench(l, { rate: '100', duration: '1s', mode: 'close' });
  t.ok((await dispatcherState(l, 'dispatcher', l.state.topology.ghost)) > 0, 'entries counted once a rule uses conntrack');
});

t.test('lab compare --schemes routing,broadcast --json --html', { skip: needsRoot }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-compare-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const page = join(dir, 'compare.html');
  const r = longLab(['compare', '--schemes', 'routing,broadcast', '--servers', '4', '--duration', '3s', '--name', 'hc', '--backend', 'netns', '--json', '--html', page]);
  t.equal(r.code, 0, `ran to the end\n${r.stderr.slice(-1500)}`);
  for (const name of LABS) t.same(leftovers(name), [], `${name} removed`);
  if (r.code !== 0) return;
  const json = JSON.parse(r.stdout) as CompareJson;
  t.strictSame(Object.keys(json), ['rows']);
  t.strictSame(json.rows.map((x) => x.scheme), ['routing', 'broadcast'], 'a row per scheme, in order');
  for (const row of json.rows) {
    t.ok(row.throughput_rps > 0, `${row.scheme}: answers in the saturation run`);
    t.ok(row.latency_ms.p99 >= row.latency_ms.p50, `${row.scheme}: p99 >= p50`);
    t.equal(row.dispatcher_state_peak, 0, `${row.scheme}: the dispatcher holds no state`);
    t.equal(row.connections_per_request, 1, `${row.scheme}: one connection per request`);
    t.equal(row.dns_queries_per_request, 0, `${row.scheme}: no DNS`);
    t.strictSame(row.ftp, { passive: true, active: true }, `${row.scheme}: FTP passive and active through the ghost`);
    t.equal(row.single_address, true, `${row.scheme}: the client saw one address`);
    t.equal(row.failure.other_clients_errors, 0, `${row.scheme}: the other servers' clients never noticed the failure`);
    t.not(row.failure.recovered_ms, null, `${row.scheme}: the failed server's clients were served again`);
    t.not(row.added_p50_ms, null, `${row.scheme}: the direct run answered`);
  }
  const [routing, broadcast] = json.rows;
  t.ok(routing!.dispatcher_bytes_per_byte > 0 && routing!.dispatcher_bytes_per_byte < 0.1, `routing: the replies bypass the dispatcher (${routing!.dispatcher_bytes_per_byte} B per reply byte)`);
  t.equal(broadcast!.dispatcher_bytes_per_byte, 0, 'broadcast: no dispatcher node');

  // the steady runs' errors are on the page (the JSON rows have no field for them), and the page in chromium
  const html = readFileSync(page, 'utf8');
  for (const s of ['routing', 'broadcast']) {
    t.match(html, new RegExp(`data-scheme="${s}" data-verdict="${STEADY_VERDICT}" data-pass="true"`), `${s}: 0 errors in the steady run`);
  }
  t.notMatch(html, /<script|https?:\/\//, 'self-contained page');
  if (!chromium.ok && !inCI) return void t.comment(`no render check: ${chromium.reason}`);
  const dom = await domDump(page);
  for (const c of COMPARE_CHARTS) {
    const svg = new RegExp(`<svg[^>]*data-chart="${c.name}"[\\s\\S]*?</svg>`).exec(dom)?.[0] ?? '';
    t.ok(svg, `chromium rendered the ${c.name} chart`);
    const measured = json.rows.filter((x) => c.value(x) !== null).length;
    t.equal(svg.match(/<rect class="bar" data-scheme=/g)?.length ?? 0, measured, `${c.name}: a bar per measured scheme`);
  }
  t.match(dom, /<table class="summary" id="compare">/, 'the table');
});

t.test('lab compare --schemes routing,nat,tcp-router: the relations of the issue for the peers merged so far', { skip: needsRoot }, async (t) => {
  const r = longLab(['compare', '--schemes', 'routing,nat,tcp-router', '--servers', '4', '--duration', '3s', '--name', 'hc', '--backend', 'netns', '--json']);
  t.equal(r.code, 0, `ran to the end\n${r.stderr.slice(-1500)}`);
  for (const name of ['hc0routing', 'hc1nat', 'hc2tcprout']) t.same(leftovers(name), [], `${name} removed`);
  if (r.code !== 0) return;
  const rows = Object.fromEntries((JSON.parse(r.stdout) as CompareJson).rows.map((x) => [x.scheme, x]));
  const [routing, nat, tcpr] = [rows.routing!, rows.nat!, rows['tcp-router']!];
  t.ok(nat.dispatcher_state_peak > 0, `nat: the dispatcher holds state (${nat.dispatcher_state_peak})`);
  t.equal(routing.dispatcher_state_peak, 0, 'routing: none');
  t.equal(tcpr.dispatcher_state_peak, 0, 'tcp-router: none (stateless rewrite)');
  t.ok(routing.dispatcher_bytes_per_byte * 10 <= nat.dispatcher_bytes_per_byte, `routing's dispatcher carries at least 10 times fewer bytes than nat's (${routing.dispatcher_bytes_per_byte} vs ${nat.dispatcher_bytes_per_byte})`);
  t.equal(nat.ftp.passive, false, 'nat without its helper: passive FTP fails');
  t.strictSame(routing.ftp, { passive: true, active: true }, 'routing: both FTP modes');
  for (const x of [routing, nat, tcpr]) {
    t.equal(x.connections_per_request, 1, `${x.scheme}: one connection per request`);
    t.equal(x.failure.other_clients_errors, 0, `${x.scheme}: the others' clients never noticed the failure`);
  }
});

t.test('Ctrl-C part way removes the lab in progress', { skip: needsRoot }, async (t) => {
  const child = labChild(['compare', '--schemes', 'routing,broadcast', '--name', 'hc', '--backend', 'netns', '--duration', '3s']);
  const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  // until its first lab exists (at most 60 s)
  for (let i = 0; i < 600 && !existsSync('/run/oneip-lab/hc0routing'); i++) await sleep(100);
  t.ok(existsSync('/run/oneip-lab/hc0routing'), 'the first lab was being built');
  await sleep(3000);
  child.kill('SIGINT');
  t.equal(await closed, 130, 'exit 130 after SIGINT');
  for (const name of LABS) t.same(leftovers(name), [], `nothing of ${name} left`);
});
