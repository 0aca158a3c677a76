// The shell's live bench table and model shares, pure: per-second rates from cumulative counts, shares, the headline; bench start's flags; history.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { modulo } from '../../src/dispatch/modulo.js';
import type { BenchProgress } from '../../src/lab/bench.js';
import { UsageError } from '../../src/util/errors.js';
import { intToIp } from '../../src/net/ipv4.js';
import { parseBenchFlags, SHELL_BENCH_DURATION } from '../../src/shell/bench-flags.js';
import { historyFile, loadHistory, saveHistory } from '../../src/shell/history.js';
import { liveHeadline, liveLines, liveRows, serverRate } from '../../src/shell/live-table.js';
import { modelShares } from '../../src/shell/model-share.js';
import { nodesTable } from '../../src/shell/nodes.js';
import type { LabState } from '../../src/lab/state.js';

const SERVERS = ['s0', 's1', 's2', 's3'];

function sample(elapsed_ms: number, servers: Record<string, number>, errors = 0): BenchProgress {
  const ok = Object.values(servers).reduce((a, b) => a + b, 0);
  return { elapsed_ms, sent: ok + errors, ok, errors, rps: (ok * 1000) / elapsed_ms, servers, start_epoch_ms: 1_700_000_000_000 };
}

t.test('serverRate: the difference of cumulative counts over the time between samples', async (t) => {
  const a = sample(1000, { s0: 100, s1: 80 });
  const b = sample(2000, { s0: 250, s1: 80 });
  t.equal(serverRate(a, b, 's0'), 150);
  t.equal(serverRate(a, b, 's1'), 0, 'no new answers: 0 req/s');
  t.equal(serverRate(a, b, 's2'), 0, 'never answered');
  t.equal(serverRate(undefined, b, 's0'), 125, 'no previous sample: the average from the start');
  t.equal(serverRate(sample(500, { s0: 10 }), sample(2500, { s0: 110 }), 's0'), 50, 'samples 2 s apart');
  t.equal(serverRate(b, b, 's0'), 125, 'the same sample twice: from the start, never a division by zero');
  t.equal(serverRate(undefined, sample(0, {}), 's0'), 0);
});

t.test('liveRows: every server of the topology, rates, totals, shares, model shares', async (t) => {
  const prev = sample(4000, { s0: 400, s1: 400, s2: 400, s3: 400 });
  const cur = sample(5000, { s0: 500, s1: 500, s2: 400, s3: 600 }, 7);
  const rows = liveRows(prev, cur, SERVERS, { s0: 1 / 3, s1: 1 / 3, s3: 1 / 3 });
  t.same(rows.map((r) => r.server), SERVERS);
  t.same(rows.map((r) => r.rps), [100, 100, 0, 200]);
  t.same(rows.map((r) => r.ok), [500, 500, 400, 600]);
  t.same(rows.map((r) => r.share), [0.25, 0.25, 0.2, 0.3]);
  t.same(rows.map((r) => r.model), [1 / 3, 1 / 3, 0, 1 / 3], 'a server missing from the model has share 0');
  t.same(liveRows(undefined, sample(1000, {}), SERVERS, undefined).map((r) => [r.share, r.model]), SERVERS.map(() => [0, undefined]), 'nothing answered yet');
});

t.test('liveLines: the headline and a table row per server', async (t) => {
  const cur = sample(12_400, { s0: 30, s1: 30, s2: 20, s3: 20 }, 3);
  t.match(liveHeadline(cur), /^t=12s sent 103 ok 100 errors 3 /);
  const lines = liveLines(undefined, cur, SERVERS, undefined);
  t.equal(lines[0], liveHeadline(cur));
  const text = lines.join('\n');
  for (const h of ['server', 'req/s', 'total ok', 'share', 'model share']) t.match(text, h);
  t.match(text, /│ s0\s+│ 2\s+│ 30\s+│ 30\.0%\s+│ -\s+│/);
  t.match(text, /│ s3\s+│ 2\s+│ 20\s+│ 20\.0%\s+│ -\s+│/);
  t.equal(lines.length, 1 + 3 + SERVERS.length + 1, 'headline, top border, header, separator, rows, bottom border');
});

t.test('modelShares: CA mod n over the client set, weighted like the generator picks', async (t) => {
  const clients = { addresses: Array.from({ length: 400 }, (_, i) => intToIp(0xc6128000 + i)), weights: null };
  const all = { servers: 4, alive: [0, 1, 2, 3], weights: [1, 1, 1, 1] };
  t.same(modelShares(modulo, all, clients, SERVERS), { s0: 0.25, s1: 0.25, s2: 0.25, s3: 0.25 });
  const shares = modelShares(modulo, { ...all, alive: [0, 1, 3] }, clients, SERVERS);
  t.equal(shares.s2, 0, 'a failed server has no share');
  t.equal(Math.round((shares.s0! + shares.s1! + shares.s3!) * 1e9), 1e9, 'the shares add up to 1');
  const skewed = modelShares(modulo, all, { addresses: clients.addresses.slice(0, 2), weights: [3, 1] }, SERVERS);
  t.same(skewed, { s0: 0.75, s1: 0.25, s2: 0, s3: 0 }, 'weights count');
});

t.test('bench start flags: a long run by default, the flags of lab bench, one clear error', async (t) => {
  t.same(parseBenchFlags([]), { duration: SHELL_BENCH_DURATION });
  t.same(parseBenchFlags(['--rate', '600', '--mode', 'close', '--clients', '1000']), { duration: SHELL_BENCH_DURATION, rate: '600', mode: 'close', clients: '1000' });
  t.same(parseBenchFlags(['--duration=5s', '--clients-from', 'a.txt', '--concurrency', '8']), { duration: '5s', clientsFrom: 'a.txt', concurrency: '8' });
  t.throws(() => parseBenchFlags(['--speed', '9']), UsageError);
  t.throws(() => parseBenchFlags(['600']), /bench start/);
  t.throws(() => parseBenchFlags(['--rate']), /--rate/);
});

t.test('history: a file, oldest first; readline wants it newest first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shl-hist-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'history');
  t.same(loadHistory(file), [], 'no file yet');
  saveHistory(file, ['status', 'kill s2', 'help']);
  t.equal(readFileSync(file, 'utf8'), 'help\nkill s2\nstatus\n');
  t.same(loadHistory(file), ['status', 'kill s2', 'help']);
  t.equal(historyFile({ OLAB_SHELL_HISTORY: file }), file);
  t.equal(historyFile({ OLAB_SHELL_HISTORY: '' }), undefined, 'empty: no history');
  t.match(historyFile({ HOME: '/root' }), /\.oneip_lab_history$/);
  saveHistory('/no/such/dir/history', ['x']);
  t.same(loadHistory(undefined), []);
});

t.test('nodes: failures, loss and the alive set', async (t) => {
  const node = (name: string, role: string) => ({ name, role });
  const state = {
    alive: [0, 1, 3],
    failures: { s2: { kind: 'killed', since: '' }, router: { kind: 'link-down', since: '' } },
    loss: { s1: 5 },
    topology: { nodes: [node('router', 'router'), node('s1', 'server'), node('s2', 'server'), node('s3', 'server')], servers: [0, 1, 2, 3].map((index) => ({ name: `s${index}`, index })) },
  } as unknown as LabState;
  t.same(nodesTable(state), [
    ['router', 'router', 'link-down'],
    ['s1', 'server', 'loss 5%'],
    ['s2', 'server', 'killed, out of the dispatch function'],
    ['s3', 'server', 'up'],
  ]);
});
