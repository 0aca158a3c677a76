// Scenario files: the shipped ones parse; bad ones give FILE:LINE:COLUMN errors; assertions judged on made-up runs pass and fail as they should.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ScenarioError } from '../../src/scenario/errors.js';
import { judge } from '../../src/scenario/assertions.js';
import { gatherEvidence } from '../../src/scenario/evidence.js';
import { loadScenario, parseScenario } from '../../src/scenario/load.js';
import type { ActionRun } from '../../src/scenario/transitions.js';
import type { Assertion, Scenario } from '../../src/scenario/types.js';
import type { BenchResult } from '../../src/report/bench-result.js';
import type { WatchdEvent } from '../../src/lab/watchd-events.js';
import { ROOT } from '../helpers/cli.js';

const FILE = join(ROOT, 'scenarios', 'test-input.yaml');

const GOOD = `topology: ../topologies/routing.yaml
load:
  duration: 10s
  rate: 100
timeline:
  - at: 2s
    do: kill s1
    phase: down
  - at: 5s
    do: revive s1
assert:
  - accounted
  - no-errors: {clients-of: [s0, s2]}
  - shares: {phase: down}
  - failover: {node: s1, max: 1s}
`;

t.test('the shipped scenarios parse', async (t) => {
  const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'));
  t.same(files.sort(), ['dispatcher-failover.yaml', 'drain.yaml', 'grow-abrupt.yaml', 'grow.yaml', 'link-flap.yaml', 'revive-graceful.yaml', 'server-failover.yaml']);
  for (const f of files) {
    const s = loadScenario(join(ROOT, 'scenarios', f));
    t.ok(s.timeline.length >= 2 && s.assertions.length >= (f === 'grow-abrupt.yaml' ? 1 : 3), `${f}: ${s.timeline.length} entries, ${s.assertions.length} assertions`);
  }
});

t.test('a good scenario resolves: ms, actions, phases, assertions', async (t) => {
  const s = parseScenario(GOOD, FILE);
  t.equal(s.durationMs, 10_000);
  t.same(s.timeline.map((e) => [e.atMs, e.action.kind, e.action.node, e.phase]), [
    [2000, 'kill', 's1', 'down'],
    [5000, 'revive', 's1', 'after revive s1'],
  ]);
  t.same(s.assertions, [
    { kind: 'accounted' },
    { kind: 'no-errors', clientsOf: ['s0', 's2'] },
    { kind: 'shares', phase: 'down', tolerance: 0.05 },
    { kind: 'failover', node: 's1', maxMs: 1000 },
  ]);
  t.equal(s.lab, 'scenario');
  t.equal(s.load.mode, 'close');
});

/** [what, a change to GOOD, line, column, field, message] */
const BAD: [string, (y: string) => string, number, number, string, RegExp][] = [
  ['unknown node', (y) => y.replace('do: kill s1', 'do: kill s9'), 7, 9, 'timeline.0.do', /no node "s9".*nodes: router, dispatcher, s0/],
  ['unknown action', (y) => y.replace('do: kill s1', 'do: explode s1'), 7, 9, 'timeline.0.do', /unknown action "explode"/],
  ['bad time', (y) => y.replace('at: 2s', 'at: 2 seconds'), 6, 9, 'timeline.0.at', /must be a time such as 3s/],
  ['time past the load', (y) => y.replace('at: 5s', 'at: 10s'), 9, 9, 'timeline.1.at', /not within the load's duration/],
  ['timeline out of order', (y) => y.replace('at: 5s', 'at: 1s'), 9, 9, 'timeline.1.at', /comes before the entry above/],
  ['link without up|down', (y) => y.replace('do: kill s1', 'do: link s1 sideways'), 7, 9, 'timeline.0.do', /expected up or down/],
  ['loss over 100', (y) => y.replace('do: kill s1', 'do: loss s1 120'), 7, 9, 'timeline.0.do', /PERCENT must be a whole number from 0 to 100/],
  ['the client', (y) => y.replace('do: kill s1', 'do: kill client'), 7, 9, 'timeline.0.do', /the client runs the load/],
  ['unknown assertion', (y) => y.replace('  - accounted\n', '  - everything-fine\n'), 12, 5, 'assert.0', /unknown assertion "everything-fine"/],
  ['no-errors of a non-server', (y) => y.replace('[s0, s2]', '[s0, router]'), 13, 29, 'assert.1.no-errors.clients-of', /not a server: router/],
  ['shares of an unknown phase', (y) => y.replace('{phase: down}', '{phase: sideways}'), 14, 21, 'assert.2.shares.phase', /must name a phase.*"before", "down", "after revive s1"/],
  ['failover of a node never failed', (y) => y.replace('{node: s1, max: 1s}', '{node: s2}'), 15, 22, 'assert.3.failover.node', /must name a node the timeline fails \(s1\)/],
  ['unknown key', (y) => y.replace('load:', 'laod: {}\nload:'), 2, 1, 'laod', /unknown key "laod"/],
  ['no rate nor concurrency', (y) => y.replace('  rate: 100\n', ''), 3, 3, 'load', /needs rate .* or concurrency/],
  ['no-broken-connections in close mode', (y) => y.replace('  - accounted\n', '  - no-broken-connections\n'), 12, 5, 'assert.0', /no-broken-connections needs load.mode: keepalive/],
  ['a missing topology file', (y) => y.replace('../topologies/routing.yaml', 'nowhere.yaml'), 1, 11, 'topology', /topology file .*nowhere.yaml has 1 problem/],
  ['YAML syntax', (y) => y.replace('  - at: 5s', '  - at: [5s'), 10, 5, 'yaml', /YAML syntax error/],
  ['a duplicate phase', (y) => y.replace('do: revive s1', 'do: revive s1\n    phase: down'), 11, 12, 'timeline.1.phase', /named twice/],
];

for (const [what, change, line, column, field, message] of BAD) {
  t.test(`bad scenario: ${what}`, async (t) => {
    const err = t.throws(() => parseScenario(change(GOOD), FILE)) as unknown as ScenarioError;
    t.ok(err instanceof ScenarioError, 'a ScenarioError');
    const issue = err.issues[0]!;
    t.same([issue.file, issue.line, issue.column, issue.field], [FILE, line, column, field], err.message);
    t.match(issue.message, message);
  });
}

// --- judging made-up runs: 4 servers, modulo; clients 198.18.128.{0..7} -> home s(k mod 4)
const scenario = parseScenario(GOOD, FILE);
const T0 = 1_000_000;
const clients = Array.from({ length: 8 }, (_, i) => `198.18.128.${i}`);
const homeOf = (c: string): string => `s${Number(c.split('.')[3]) % 4}`;
const killRun: ActionRun = { entry: scenario.timeline[0]!, start: T0 + 2000, end: T0 + 2010 };
const reviveRun: ActionRun = { entry: scenario.timeline[1]!, start: T0 + 5000, end: T0 + 5100 };
const ev = (t: number, fields: Partial<WatchdEvent>): WatchdEvent => ({ t, ts: '', event: 'reconfigured', ...fields }) as WatchdEvent;
const EVENTS = [ev(T0 + 2500, { down: ['s1'], alive: ['s0', 's2', 's3'], apply_ms: 20 }), ev(T0 + 5600, { up: ['s1'], alive: ['s0', 's1', 's2', 's3'], apply_ms: 20 })];

function bench(records: [string, number, number, string][], counts?: Partial<BenchResult['requests']>): BenchResult {
  const ok = records.filter((r) => !r[3].startsWith('!')).length;
  return {
    start_epoch_ms: T0,
    duration_s: 10,
    records,
    requests: { sent: records.length, ok, errors: records.length - ok, ...counts },
  } as BenchResult;
}

/** Every client once a second, answered by its home (s1's clients, while s1 is out, by S_j, j = CA mod 3, paper 6.3). */
function steadyRecords(standIn: (c: string) => string): [string, number, number, string][] {
  const out: [string, number, number, string][] = [];
  for (let s = 0; s < 10; s++) {
    for (const c of clients) {
      const t = s * 1000 + 100;
      const down = t >= 2500 && t < 5600;
      out.push([c, t, t + 5, down && homeOf(c) === 's1' ? standIn(c) : homeOf(c)]);
    }
  }
  return out;
}

function evidence(records: [string, number, number, string][], counts?: Partial<BenchResult['requests']>, s: Scenario = scenario) {
  const initial = { servers: 4, alive: [0, 1, 2, 3], weights: [1, 1, 1, 1] };
  return gatherEvidence(s, bench(records, counts), [killRun, reviveRun], EVENTS, initial);
}

t.test('judging: a run that follows the model passes; each kind of fault fails its assertion', async (t) => {
  const { ipToInt } = await import('../../src/net/ipv4.js');
  const { paperSingleFailure } = await import('../../src/dispatch/modulo.js');
  const standIn = (c: string): string => `s${paperSingleFailure(ipToInt(c), 4, 1)}`;
  const good = steadyRecords(standIn);
  const e = evidence(good);
  const verdict = (a: Assertion, ev = e) => judge(ev, a);
  t.ok(verdict({ kind: 'accounted' }).pass, 'accounted');
  t.ok(verdict({ kind: 'follows-model' }).pass, verdict({ kind: 'follows-model' }).detail);
  t.ok(verdict({ kind: 'errors-only-in-transitions' }).pass, 'no errors at all');
  t.ok(verdict({ kind: 'no-errors', clientsOf: ['s0', 's2', 's3'] }).pass, 'no errors');
  const fo = verdict({ kind: 'failover', node: 's1', maxMs: 1000 });
  t.ok(fo.pass, fo.detail);
  t.match(fo.detail, /after 500 ms/);
  t.notOk(verdict({ kind: 'failover', node: 's1', maxMs: 400 }).pass, 'a 500 ms failover fails max: 400ms');

  t.notOk(verdict({ kind: 'accounted' }, evidence(good, { sent: good.length + 1 })).pass, 'a request not accounted for fails accounted');

  const wrongServer = good.map((r): [string, number, number, string] => (r[1] === 3100 && r[0] === clients[0] ? [r[0], r[1], r[2], 's3'] : r));
  const fm = verdict({ kind: 'follows-model' }, evidence(wrongServer));
  t.notOk(fm.pass, 'an answer from the wrong server fails follows-model');
  t.match(fm.detail, /198\.18\.128\.0 answered by s3, model s0/);

  const s1Client = clients.find((c) => homeOf(c) === 's1')!;
  const inWindow = [...good, [s1Client, 2100, 2300, '!timeout'] as [string, number, number, string]];
  t.ok(verdict({ kind: 'errors-only-in-transitions' }, evidence(inWindow)).pass, 'an error during the kill window is allowed');
  t.notOk(verdict({ kind: 'no-errors', clientsOf: ['s1'] }, evidence(inWindow)).pass, "but it counts against s1's clients");
  const outside = [...good, [s1Client, 3000, 3010, '!reset'] as [string, number, number, string]];
  const eo = verdict({ kind: 'errors-only-in-transitions' }, evidence(outside));
  t.notOk(eo.pass, 'an error after watchd settled the kill fails');
  t.match(eo.detail, /1 did not/);
  const s0Client = clients.find((c) => homeOf(c) === 's0')!;
  t.notOk(verdict({ kind: 'no-errors', clientsOf: ['s0', 's2', 's3'] }, evidence([...good, [s0Client, 2100, 2200, '!refused']])).pass, 'an error of an s0 client fails no-errors');

  const skewed = good.map((r): [string, number, number, string] => (r[1] >= 2600 && r[1] < 5000 && r[3] !== 's0' ? [r[0], r[1], r[2], 's0'] : r));
  t.notOk(verdict({ kind: 'shares', phase: 'down', tolerance: 0.05 }, evidence(skewed)).pass, 'all answers on s0 fails shares');
});
