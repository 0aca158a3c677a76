// The bucket table: weighted base table, failover that moves only failed servers' buckets, and the kernel's jhash.
import t from 'tap';
import { jhashIpv4, reciprocalScale } from '../../src/dispatch/jhash.js';
import {
  apportion,
  bucketOf,
  bucketOwners,
  createTableFunction,
  DEFAULT_BUCKETS,
  DEFAULT_SEED,
  interleave,
  JHASH_SEED,
  nftJhashExpression,
  table,
} from '../../src/dispatch/table.js';
import { summarizeRanges } from '../../src/dispatch/summary.js';
import { DispatchError, initialState, type DispatchState } from '../../src/dispatch/types.js';
import { ipToInt } from '../../src/net/ipv4.js';

function countOf(owners: number[], n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const o of owners) c[o]!++;
  return c;
}

function without(st: DispatchState, dead: number[]): DispatchState {
  return { ...st, alive: st.alive.filter((k) => !dead.includes(k)) };
}

const WEIGHTS: number[][] = [[1], [1, 1], [1, 1, 1], [1, 1, 1, 1, 1, 1, 1], [3, 1], [1, 2, 3, 4], [5, 5, 1, 1, 2], [0.5, 1.5, 1], Array.from({ length: 16 }, (_, i) => 1 + (i % 3))];

t.test('base table: counts proportional to weights (within 1), interleaved', async (t) => {
  for (const buckets of [256, 64, 1000, 7]) {
    for (const w of WEIGHTS) {
      const st = initialState(w.length, w);
      const owners = bucketOwners(st, buckets);
      t.equal(owners.length, buckets);
      const total = w.reduce((a, b) => a + b, 0);
      const counts = countOf(owners, w.length);
      t.ok(counts.every((c, i) => Math.abs(c - (buckets * w[i]!) / total) < 1), `M=${buckets} w=${w}: ${counts}`);
      t.same(bucketOwners(st, buckets), owners, 'deterministic');
    }
  }
});

t.test('growth (lab scale): n -> n + 1 moves at most ceil(M/(n+1)) buckets, all to the new server; shrinking moves them back', async (t) => {
  for (const buckets of [256, 64, 1000, 7]) {
    for (let n = 1; n < 24; n++) {
      const before = bucketOwners(initialState(n), buckets);
      const after = bucketOwners(initialState(n + 1), buckets);
      const moved = after.map((o, b) => (o !== before[b] ? b : -1)).filter((b) => b >= 0);
      t.ok(moved.every((b) => after[b] === n), `M=${buckets} n=${n}: every moved bucket went to the new server S${n}`);
      t.ok(moved.length <= Math.ceil(buckets / (n + 1)), `M=${buckets} n=${n}: ${moved.length} moved <= ceil(M/(n+1)) = ${Math.ceil(buckets / (n + 1))}`);
      const counts = countOf(after, n + 1);
      t.ok(Math.max(...counts) - Math.min(...counts) <= 1, `M=${buckets} n=${n + 1}: even within 1 (${Math.min(...counts)}..${Math.max(...counts)})`);
    }
  }
  for (const w of WEIGHTS.filter((x) => x.length >= 2)) {
    const before = bucketOwners(initialState(w.length - 1, w.slice(0, -1)));
    const after = bucketOwners(initialState(w.length, w));
    t.ok(after.every((o, b) => o === before[b] || o === w.length - 1), `w=${w}: buckets move only to the server that joins`);
  }
});

t.test('failover: only failed servers\' buckets move, spread by weight within 1; restore gives the original table', async (t) => {
  for (const w of WEIGHTS.filter((w) => w.length >= 2)) {
    const st = initialState(w.length, w);
    const base = bucketOwners(st, DEFAULT_BUCKETS);
    const deadSets = [[0], [w.length - 1], w.length >= 4 ? [1, 2] : [1]];
    for (const dead of deadSets) {
      const after = bucketOwners(without(st, dead), DEFAULT_BUCKETS);
      const moved = after.map((o, b) => (o !== base[b] ? b : -1)).filter((b) => b >= 0);
      t.ok(moved.every((b) => dead.includes(base[b]!)), `w=${w} dead ${dead}: only buckets of failed servers moved`);
      t.ok(after.every((o) => !dead.includes(o)), 'no bucket left on a failed server');
      t.equal(moved.length, base.filter((o) => dead.includes(o)).length, 'every bucket of a failed server moved');
      const movedTo = countOf(moved.map((b) => after[b]!), w.length);
      const aliveW = w.reduce((s, x, i) => (dead.includes(i) ? s : s + x), 0);
      t.ok(
        movedTo.every((c, i) => (dead.includes(i) ? c === 0 : Math.abs(c - (moved.length * w[i]!) / aliveW) < 1)),
        `moved ${moved.length} buckets spread by weight: ${movedTo}`,
      );
      t.same(bucketOwners(st, DEFAULT_BUCKETS), base, 'restore: all alive gives the original table back');
    }
  }
  // the worked example: 3 equal servers (S1 joined second and took 86, S2 took 85), S0 fails: its 85 buckets go 42/43 to S1/S2 (S2 has fewer), alternating
  const st = initialState(3);
  const base = bucketOwners(st);
  const after = bucketOwners(without(st, [0]));
  const taken = base.map((o, b) => (o === 0 ? after[b] : -1)).filter((o) => o >= 0);
  t.same(countOf(base, 3), [85, 86, 85]);
  t.same(countOf(taken, 3), [0, 42, 43]);
  t.same(taken.slice(0, 6), [2, 1, 2, 1, 2, 1]);
});

t.test('apportion and interleave', async (t) => {
  t.same(apportion(10, [1, 1, 1]), [4, 3, 3]);
  t.same(apportion(10, [1, 1, 1], (i) => -i), [3, 3, 4], 'ties by key');
  t.same(apportion(5, [0, 1, 1]), [0, 3, 2]);
  t.same(interleave([2, 1]), [0, 1, 0]);
  t.same(countOf(interleave([5, 0, 3, 1]), 4), [5, 0, 3, 1]);
  t.throws(() => apportion(3, [0, 0]), DispatchError);
});

t.test('errors', async (t) => {
  t.throws(() => bucketOwners({ servers: 2, alive: [], weights: [1, 1] }), /no server is alive/);
  t.throws(() => table.predict(1, { servers: 2, alive: [], weights: [1, 1] }), DispatchError);
  t.throws(() => bucketOwners({ servers: 2, alive: [0, 1], weights: [1] }), /weights has 1 entries for 2 servers/);
  t.throws(() => bucketOwners({ servers: 2, alive: [0, 1], weights: [1, -1] }), /weight of S1/);
  t.throws(() => bucketOwners({ servers: 2, alive: [1], weights: [1, 0] }), /has weight 0/);
  t.throws(() => bucketOwners(initialState(2), 1), /buckets/);
  t.throws(() => bucketOf(-1), RangeError);
});

// Known answers read back from the kernel (6.18, nft 1.0.6) by test/integration/dispatch-kernel.test.ts:
// `meta mark set jhash ip saddr mod 4294967295 seed S offset 1` leaves the raw jhash in the mark
// (reciprocal_scale(h, 2^32-1) = h - 1 for h > 0), and `jhash ip saddr mod M seed S` the bucket.
const KERNEL_RAW: [string, number, number][] = [
  ['198.18.128.0', 0, 3537836988],
  ['198.18.128.5', 0, 3984677389],
  ['198.18.200.77', 0, 1765789626],
  ['198.18.255.255', 0, 3041657222],
  ['198.18.170.150', 0, 1957538127],
  ['198.18.169.25', 0, 2790157901],
  ['198.18.128.0', 0xdeadbeef, 1476658926],
  ['198.18.170.150', 0xdeadbeef, 3228582444],
  ['198.18.169.25', 0xdeadbeef, 611158998],
];
const KERNEL_BUCKETS: [string, number, number, number][] = [
  ['198.18.128.0', 256, 0, 210],
  ['198.18.128.5', 256, 0, 237],
  ['198.18.200.77', 256, 0, 105],
  ['198.18.255.255', 256, 0, 181],
  ['198.18.170.150', 256, 0, 116],
  ['198.18.128.0', 7, 0, 5],
  ['198.18.170.150', 7, 0, 3],
  ['198.18.128.0', 256, 12345, 86],
  ['198.18.170.150', 256, 12345, 25],
  ['198.18.128.0', 1000, 0xffffffff, 315],
  ['198.18.170.150', 1000, 0xffffffff, 113],
  ['198.18.128.0', 2, 0, 1],
  ['198.18.170.150', 2, 0, 0],
];

t.test('jhash: known answers verified in the kernel', async (t) => {
  for (const [ip, seed, h] of KERNEL_RAW) t.equal(jhashIpv4(ipToInt(ip), seed), h, `jhash(${ip}, seed ${seed})`);
  for (const [ip, m, seed, b] of KERNEL_BUCKETS) t.equal(bucketOf(ipToInt(ip), m, seed), b, `${ip} mod ${m} seed ${seed}`);
});

t.test('reciprocal_scale and the predict path', async (t) => {
  t.equal(reciprocalScale(0xffffffff, 256), 255);
  t.equal(reciprocalScale(0, 256), 0);
  t.equal(reciprocalScale(0x80000000, 3), 1);
  t.equal(reciprocalScale(0xffffffff, 0xffffffff), 0xfffffffe, 'BigInt path');
  t.equal(DEFAULT_SEED, 0);
  t.equal(JHASH_SEED, DEFAULT_SEED);
  t.equal(nftJhashExpression(), 'jhash ip saddr mod 256 seed 0x0');
  t.equal(nftJhashExpression(7, 0xdeadbeef), 'jhash ip saddr mod 7 seed 0xdeadbeef');
  const st = without(initialState(4, [1, 2, 1, 1]), [2]);
  const owners = bucketOwners(st, 256);
  for (let i = 0; i < 2000; i++) {
    const ca = (0xc6128000 + i * 37) >>> 0;
    if (table.predict(ca, st) !== owners[bucketOf(ca, 256, 0)]) t.fail(`predict(${ca})`);
  }
  const t16 = createTableFunction(16, 99);
  t.equal(t16.predict(ipToInt('198.18.128.5'), initialState(3)), bucketOwners(initialState(3), 16)[bucketOf(ipToInt('198.18.128.5'), 16, 99)]);
  t.equal(table.name, 'table');
});

t.test('summary of a client population (table)', async (t) => {
  const st = without(initialState(4), [1]);
  const s = summarizeRanges(createTableFunction(64, 0), st, { base: 0xc6128000, size: 4096 });
  t.equal(s.servers.reduce((a, r) => a + r.addresses, 0), 4096);
  t.equal(s.servers[1]!.addresses, 0);
  const owners = bucketOwners(st, 64);
  t.equal(s.servers[0]!.rule, `${owners.filter((o) => o === 0).length} of 64 buckets of jhash ip saddr mod 64 seed 0x0`);
  const exact = new Array<number>(4).fill(0);
  for (let i = 0; i < 4096; i++) exact[owners[bucketOf(0xc6128000 + i, 64, 0)]!]!++;
  t.same(s.servers.map((r) => r.addresses), exact);
});
