// watchd without a lab: the topology field, the failure detector, its decisions, events, probe routes, loss rules, the state lock.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { parsePercent } from '../../src/lab/actions.js';
import { lossStep } from '../../src/lab/failures.js';
import type { LabState } from '../../src/lab/state.js';
import { TopologyError } from '../../src/topology-file/errors.js';
import { parseTopology } from '../../src/topology-file/load.js';
import { dispatcherProbeSteps } from '../../src/schemes/probe-routes.js';
import { proberConfig } from '../../src/watchd/config.js';
import { dispatcherFailover, serverChanges } from '../../src/watchd/decide.js';
import { formatEvent, makeEvent } from '../../src/lab/watchd-events.js';
import { Monitor } from '../../src/watchd/monitor.js';
import { parseRound, type ProbeRound } from '../../src/watchd/round.js';
import { servedAgainAfter, type Change } from '../../src/watchd/served-probe.js';
import { LineTail } from '../../src/util/line-tail.js';

function topology(extra = '', scheme = 'routing') {
  return parseTopology(`name: unit\nscheme: ${scheme}\n${extra}`, 'unit.yaml');
}

function issue(yaml: string): string {
  try {
    topology(yaml);
  } catch (e) {
    if (e instanceof TopologyError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('topology: watchd defaults to 100 ms and 3 misses; values are checked with line and column', async (t) => {
  t.same(topology().watchd, { enabled: true, intervalMs: 100, misses: 3 });
  t.same(topology('watchd: {interval: 250ms, misses: 5}\n').watchd, { enabled: true, intervalMs: 250, misses: 5 });
  t.same(topology('watchd: {interval: 1.5s, enabled: false}\n').watchd, { enabled: false, intervalMs: 1500, misses: 3 });
  t.same(topology('watchd: {interval: 200}\n').watchd.intervalMs, 200, 'a plain number is milliseconds');
  t.match(issue('watchd: {interval: 5ms}\n'), /^unit\.yaml:3:20: watchd\.interval: must be a duration from 10ms to 60s.*got "5ms"$/);
  t.match(issue('watchd:\n  interval: soon\n'), /^unit\.yaml:4:13: watchd\.interval: .*got "soon"$/);
  t.match(issue('watchd: {misses: 0}\n'), /^unit\.yaml:3:18: watchd\.misses: must be an integer from 1 to 1000, got 0$/);
  t.match(issue('watchd: {foo: 1}\n'), /^unit\.yaml:3:10: watchd\.foo: unknown key "foo"$/);
  t.match(issue('watchd: [1]\n'), /^unit\.yaml:3:9: watchd: must be a mapping/);
  t.match(issue('watchd: {enabled: no}\n'), /watchd\.enabled: must be true or false, got "no"/);
});

const round = (r: number, fail: Record<string, string> = {}, skip?: string[]): ProbeRound => ({ r, t: 1000 + r * 100, ms: 5, fail, ...(skip ? { skip } : {}) });

t.test('monitor: a target fails after `misses` rounds in a row and is back after as many answers', async (t) => {
  const m = new Monitor(['s0', 's1', 's2'], ['dispatcher'], 3);
  t.same(m.feed(round(0, { s1: 'timeout' })), []);
  t.same(m.feed(round(1)), [], 'an answer resets the count');
  t.same(m.feed(round(2, { s1: 'timeout' })), []);
  t.same(m.feed(round(3, { s1: 'timeout' })), []);
  t.same(m.feed(round(4, { s1: 'ECONNREFUSED' })), [{ kind: 'detected', target: 's1', misses: 3, firstMissT: 1200, error: 'ECONNREFUSED', at: 1405 }]);
  t.ok(m.failed('s1'));
  t.same(m.feed(round(5, { s1: 'timeout' })), [], 'detected once');
  t.same(m.feed(round(6)), []);
  t.same(m.feed(round(7)), []);
  t.same(m.feed(round(8)), [{ kind: 'recovered', target: 's1', oks: 3, at: 1805 }]);
  t.notOk(m.failed('s1'));
});

t.test('monitor: a round where every server missed is the prober cut off, not a failure; skipped dispatchers are not judged', async (t) => {
  const m = new Monitor(['s0', 's1'], ['dispatcher'], 2);
  const all = { s0: 'timeout', s1: 'timeout', dispatcher: 'timeout' };
  t.same(m.feed(round(0, all)), [{ kind: 'blind', t: 1000, error: 'timeout' }]);
  t.same(m.feed(round(1, all)), []);
  t.same(m.feed(round(2, all)), []);
  t.same(m.feed(round(3)), [{ kind: 'sighted', t: 1300 }]);
  t.notOk(m.failed('s0') || m.failed('s1') || m.failed('dispatcher'), 'nothing was judged while blind');
  m.feed(round(4, { s0: 'timeout', dispatcher: 'timeout' }, ['dispatcher']));
  m.feed(round(5, { s0: 'timeout', dispatcher: 'timeout' }, ['dispatcher']));
  t.ok(m.failed('s0'));
  t.notOk(m.failed('dispatcher'), 'a dispatcher whose probe went to a failed server is not judged');
  t.same(m.get('dispatcher').misses, 0);
});

function labState(extra: string, alive: number[], watchdDown: string[] = []): LabState {
  const topo = topology(extra);
  return {
    name: 'unit',
    backend: 'netns',
    phase: 'up',
    topologyFile: 'unit.yaml',
    topology: topo,
    alive,
    processes: [],
    createdAt: '',
    ownerPid: 1,
    watchd: { pid: 1, startTime: '', argv: [], logFile: '', eventsFile: '', intervalMs: 100, misses: 3, startedAt: '', down: watchdDown },
  };
}

function failing(m: Monitor, targets: string[], rounds = 3): void {
  for (let r = 0; r < rounds; r++) m.feed(round(r, Object.fromEntries(targets.map((x) => [x, 'timeout']))));
}

t.test('decisions: failed servers go out, never the last ones; only servers watchd took out come back, once they answer', async (t) => {
  const m = new Monitor(['s0', 's1', 's2', 's3'], ['dispatcher'], 3);
  failing(m, ['s1']);
  t.same(serverChanges(labState('', [0, 1, 2, 3]), m), { down: ['s1'], up: [], held: [] });
  t.same(serverChanges(labState('', [0, 2, 3], ['s1']), m), { down: [], up: [], held: [] }, 'already out');
  const all = new Monitor(['s0', 's1', 's2', 's3'], [], 3);
  failing(all, ['s0', 's1']);
  t.same(serverChanges(labState('', [0, 1]), all), { down: [], up: [], held: ['s0', 's1'] }, 'every server left in the function failed: kept');
  const fresh = new Monitor(['s0', 's1', 's2', 's3'], [], 3);
  t.same(serverChanges(labState('', [0, 2, 3], ['s1']), fresh).up, [], 'a new monitor (watchd restarted) puts nothing back before it saw answers');
});

t.test('decisions: put back only after `misses` answered rounds, and never a server taken out by hand', async (t) => {
  const m = new Monitor(['s0', 's1', 's2'], [], 3);
  failing(m, ['s1']);
  m.feed(round(10));
  t.same(serverChanges(labState('servers: 3\n', [0, 2], ['s1']), m).up, [], 'one answer is not enough');
  m.feed(round(11));
  m.feed(round(12));
  t.same(serverChanges(labState('servers: 3\n', [0, 2], ['s1']), m).up, ['s1']);
  t.same(serverChanges(labState('servers: 3\n', [0, 2], []), m).up, [], 's1 out by hand (lab dispatch set): watchd leaves it out');
});

t.test('decisions: the active dispatcher fails over to a backup that answers', async (t) => {
  const two = 'dispatchers: 2\n';
  const m = new Monitor(['s0', 's1', 's2', 's3'], ['dispatcher', 'dispatcher2'], 3);
  t.equal(dispatcherFailover(labState(two, [0, 1, 2, 3]), m), undefined, 'nothing failed');
  failing(m, ['dispatcher']);
  t.same(dispatcherFailover(labState(two, [0, 1, 2, 3]), m), { from: 'dispatcher', to: 'dispatcher2' });
  t.equal(dispatcherFailover({ ...labState(two, [0, 1, 2, 3]), activeDispatcher: 'dispatcher2' }, m), undefined, 'the failed one is the standby: nothing to do');
  const killed = { ...labState(two, [0, 1, 2, 3]), failures: { dispatcher2: { kind: 'killed' as const, since: '' } } };
  t.same(dispatcherFailover(killed, m), { from: 'dispatcher', to: undefined }, 'a killed backup is no backup');
  const both = new Monitor(['s0', 's1', 's2', 's3'], ['dispatcher', 'dispatcher2'], 3);
  failing(both, ['dispatcher', 'dispatcher2']);
  t.same(dispatcherFailover(labState(two, [0, 1, 2, 3]), both), { from: 'dispatcher', to: undefined });
  t.same(dispatcherFailover(labState('', [0, 1, 2, 3]), both), { from: 'dispatcher', to: undefined }, 'one dispatcher: nowhere to fail over to');
});

t.test('probe rounds and events', async (t) => {
  t.same(parseRound('{"r":3,"t":5,"ms":1,"fail":{"s1":"timeout"}}'), { r: 3, t: 5, ms: 1, fail: { s1: 'timeout' } });
  t.equal(parseRound('http-server s0 listening'), undefined);
  t.equal(parseRound('{"r":3,"t'), undefined);
  const at = Date.UTC(2024, 0, 1, 12, 0, 1, 234);
  t.equal(formatEvent(makeEvent('detected', { node: 's1', role: 'server', misses: 3, first_miss_t: at - 300, error: 'timeout' }, at)), '12:00:01.234  detected             s1 (server) failed: 3 missed rounds, first miss at 12:00:00.934, last: timeout');
  t.equal(formatEvent(makeEvent('reconfigured', { down: ['s1'], up: [], alive: ['s0', 's2', 's3'], apply_ms: 23 }, at)), '12:00:01.234  reconfigured         s1 out; alive s0 s2 s3 (applied in 23 ms)');
  t.match(formatEvent(makeEvent('dispatcher-failover', { from: 'dispatcher', to: 'dispatcher2', apply_ms: 9 }, at)), /ghost route now points to dispatcher2 instead of dispatcher/);
  t.equal(makeEvent('started', {}, at).ts, '2024-01-01T12:00:01.234Z');
});

t.test("probe routes: each dispatcher's probe ports are routed through it, from the router only", async (t) => {
  const topo = topology('dispatchers: 2\n');
  const lines = dispatcherProbeSteps(topo).map((s) => (s.kind === 'run' ? s.line : ''));
  t.same(lines, [
    'ip rule del priority 900 2>/dev/null || true',
    'ip rule add priority 900 iif lo ipproto tcp sport 61000-61099 lookup 200',
    'ip route replace 10.0.1.0/24 via 10.0.1.2 dev lan table 200',
    'ip rule del priority 901 2>/dev/null || true',
    'ip rule add priority 901 iif lo ipproto tcp sport 61100-61199 lookup 201',
    'ip route replace 10.0.1.0/24 via 10.0.1.3 dev lan table 201',
  ]);
  t.same(dispatcherProbeSteps(topology('', 'broadcast')), [], 'no dispatcher, no route');
  const c = proberConfig(topo);
  t.equal(c.source, '198.18.0.1', "the router's client-link address: off-link for the dispatcher, so no ICMP redirect");
  t.same(c.servers[1], { name: 's1', address: '10.0.1.11', port: 80 });
  t.same(c.dispatchers.map((d) => d.ports), [[61000, 61099], [61100, 61199]]);
  t.equal(c.timeoutMs, 2 * c.intervalMs, 'a probe may take two intervals');
});

t.test('loss: nft rules each way, 100 % without numgen, 0 removes the table', async (t) => {
  const text = (p: number): string => {
    const s = lossStep('lan', p);
    return s.kind === 'load' ? s.text : s.kind === 'run' ? s.line : '';
  };
  t.match(text(30), /iifname "lan" numgen random mod 100 < 30 counter drop comment "loss: dropped in"/);
  t.match(text(30), /oifname "lan" numgen random mod 100 < 30 counter drop comment "loss: dropped out"/);
  t.match(text(30), /^table ip oneip_loss\ndelete table ip oneip_loss\n/, 'replaced in one transaction');
  t.match(text(100), /iifname "lan" counter drop/);
  t.equal(text(0), 'nft delete table ip oneip_loss 2>/dev/null || true');
  t.equal(parsePercent('25'), 25);
  for (const bad of ['101', '-1', '2.5', 'lots', '']) t.throws(() => parsePercent(bad), /whole number from 0 to 100/, bad);
});

t.test('served-again: the latest start of each address\'s final good run', async (t) => {
  const good = (_: string, o: string) => /^ok:s[02]$/.test(o);
  const a: Change[] = [[900, 'ok:s1'], [1050, 'error:timeout'], [1400, 'ok:s0']];
  const b: Change[] = [[910, 'ok:s1'], [1000, 'error:timeout'], [1300, 'ok:s2']];
  t.equal(servedAgainAfter({ from: { a, b }, last_error: {} }, 1000, good), 400);
  t.equal(servedAgainAfter({ from: { a: [[900, 'ok:s1'], [1050, 'error:timeout']] }, last_error: {} }, 1000, good), undefined, 'ended bad');
  t.equal(servedAgainAfter({ from: { a: [[900, 'ok:s0']] }, last_error: {} }, 1000, good), 0, 'never interrupted');
});

t.test('tail: complete lines as they are appended, a partial line when it is completed', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'olab-tail-')), 'log');
  writeFileSync(file, 'old line\n');
  const seen: string[] = [];
  const tail = new LineTail(file, await LineTail.endOf(file), (lines) => seen.push(...lines));
  tail.start(10);
  appendFileSync(file, 'one\ntw');
  await sleep(60);
  t.same(seen, ['one']);
  appendFileSync(file, 'o\nthree\n');
  await sleep(60);
  tail.stop();
  t.same(seen, ['one', 'two', 'three'], 'the old line was skipped');
});

t.test('state lock: concurrent read-change-write sequences do not lose each other', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'olab-state-'));
  const saved = process.env.OLAB_STATE_DIR;
  process.env.OLAB_STATE_DIR = root;
  t.teardown(() => (saved === undefined ? delete process.env.OLAB_STATE_DIR : (process.env.OLAB_STATE_DIR = saved)));
  const { claimLab, readState, updateLab, writeState } = await import('../../src/lab/state.js');
  await claimLab('unit');
  await writeState({ ...labState('', [0, 1, 2, 3]), loss: {} });
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      updateLab('unit', async (s) => {
        await sleep(1);
        s.loss = { ...s.loss, [`n${i}`]: i };
      }),
    ),
  );
  t.equal(Object.keys((await readState('unit'))!.loss!).length, 20, 'all 20 changes landed');
});

t.test('state lock: a refresh beside an update of the same lab object keeps the update\'s edits (watchd\'s transition look beside its own change)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'olab-state-'));
  const saved = process.env.OLAB_STATE_DIR;
  process.env.OLAB_STATE_DIR = root;
  t.teardown(() => (saved === undefined ? delete process.env.OLAB_STATE_DIR : (process.env.OLAB_STATE_DIR = saved)));
  const { claimLab, readState, writeState } = await import('../../src/lab/state.js');
  const { RunningLab } = await import('../../src/lab/running-lab.js');
  await claimLab('unit');
  await writeState(labState('', [0, 1, 2, 3]));
  const lab = new RunningLab((await readState('unit'))!);
  let refreshed: Promise<unknown> = Promise.resolve();
  await lab.update(async (s) => {
    s.watchd = { ...s.watchd!, down: ['s1'] }; // what watchd records when it takes a server out
    refreshed = lab.refresh(); // the look at the transition, while the change is applied
    await refreshed;
    s.alive = [0, 2, 3];
  });
  await refreshed;
  const written = (await readState('unit'))!;
  t.same(written.watchd!.down, ['s1'], 'watchd\'s record of what it took out was written');
  t.same(written.alive, [0, 2, 3], 'the new alive set was written');
  t.same(lab.state.watchd!.down, ['s1'], 'and the object holds it');
  await lab.refresh();
  t.same(lab.state.watchd!.down, ['s1'], 'a refresh after the update reads it back from disk');
});
