// The modulo model against the paper's formula (section 6.3), with one and several failed servers.
import t from 'tap';
import { describeModuloRule, modulo, moduloAcceptance, paperSingleFailure } from '../../src/dispatch/modulo.js';
import { dispatchFunction } from '../../src/dispatch/registry.js';
import { summarizeRanges } from '../../src/dispatch/summary.js';
import { DispatchError, initialState, type DispatchState } from '../../src/dispatch/types.js';

/** Deterministic spread of client addresses: small ones, the client population, and the top of the range. */
function sampleAddresses(count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 200; i++) out.push(i);
  let s = 0x9e3779b9;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(s);
  }
  for (let i = 0; i < 100; i++) out.push(0xc6128000 + i, 0xffffffff - i);
  return out;
}

const CAS = sampleAddresses(3000);

function without(n: number, dead: number[]): DispatchState {
  const s = initialState(n);
  return { ...s, alive: s.alive.filter((k) => !dead.includes(k)) };
}

t.test('all alive: k = CA mod n', async (t) => {
  for (let n = 1; n <= 16; n++) {
    const st = initialState(n);
    t.ok(CAS.every((ca) => modulo.predict(ca, st) === ca % n), `n = ${n}`);
  }
  // the paper's worked numbers: 198.18.128.7 with 4 servers
  t.equal(modulo.predict(0xc6128007, initialState(4)), 0xc6128007 % 4);
});

t.test("one failure: the model equals the paper's j = CA mod (n-1), S_j if j < k else S_(j+1)", async (t) => {
  let checked = 0;
  for (let n = 2; n <= 16; n++) {
    for (let k = 0; k < n; k++) {
      const st = without(n, [k]);
      const bad = CAS.filter((ca) => modulo.predict(ca, st) !== paperSingleFailure(ca, n, k));
      t.same(bad, [], `n = ${n}, S${k} failed`);
      checked += CAS.length;
    }
  }
  t.ok(checked > 100_000, `${checked} (n, k, CA) cases`);
});

t.test('paperSingleFailure: literal cases', async (t) => {
  // n = 4, S1 failed: CA mod 4 = 1 -> j = CA mod 3; j = 0 -> S0, j = 1 -> S2, j = 2 -> S3
  t.equal(paperSingleFailure(1, 4, 1), 2); // j = 1 -> S2
  t.equal(paperSingleFailure(5, 4, 1), 3); // j = 2 -> S3
  t.equal(paperSingleFailure(9, 4, 1), 0); // j = 0 -> S0
  t.equal(paperSingleFailure(6, 4, 1), 2); // not a client of S1
  t.throws(() => paperSingleFailure(1, 1, 0), DispatchError);
  t.throws(() => paperSingleFailure(1, 4, 4), DispatchError);
});

t.test('several failures: alive servers keep their clients, failed ones spread as alive[CA mod |alive|]', async (t) => {
  const cases: [number, number[]][] = [[5, [1, 3]], [7, [0, 2, 5]], [8, [7, 6, 5, 4]], [16, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]], [12, [3, 4, 9]]];
  for (const [n, dead] of cases) {
    const st = without(n, dead);
    const problems: string[] = [];
    for (const ca of CAS) {
      const before = ca % n;
      const after = modulo.predict(ca, st);
      if (!st.alive.includes(after)) problems.push(`CA ${ca} went to failed S${after}`);
      else if (!dead.includes(before) && after !== before) problems.push(`CA ${ca} of alive S${before} moved to S${after}`);
      else if (dead.includes(before) && after !== st.alive[ca % st.alive.length]) problems.push(`CA ${ca} of failed S${before} went to S${after}`);
    }
    t.same(problems, [], `n = ${n}, failed ${dead.join(',')}: clients of alive servers unchanged, failed ones to alive[CA mod ${st.alive.length}]`);
    // Over one period of lcm(n, m) consecutive addresses, each failed d sends one client to every alive
    // position p with p = d (mod gcd(n, m)); with gcd 1 that is exactly one client per alive server per failure.
    const m = st.alive.length;
    const g = gcd(n, m);
    const period = (n * m) / g;
    const spread = new Array<number>(n).fill(0);
    for (let ca = 0; ca < period; ca++) if (dead.includes(ca % n)) spread[modulo.predict(ca, st)]!++;
    const expected = new Array<number>(n).fill(0);
    st.alive.forEach((k, p) => {
      expected[k] = dead.filter((d) => d % g === p % g).length;
    });
    t.same(spread, expected, `failed clients over alive ${st.alive.join(',')} per period ${period}: ${st.alive.map((k) => spread[k]).join(' ')}`);
  }
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

t.test('one failure: the failed server\'s clients spread exactly evenly over a period', async (t) => {
  for (let n = 2; n <= 16; n++) {
    for (let k = 0; k < n; k++) {
      const st = without(n, [k]);
      const got = new Array<number>(n).fill(0);
      // CA = k + n*i for i = 0..n-2 covers j = 0..n-2 once each
      for (let i = 0; i < n - 1; i++) got[modulo.predict(k + n * i, st)]!++;
      t.same(got, Array.from({ length: n }, (_, s) => (s === k ? 0 : 1)), `n = ${n} S${k}`);
    }
  }
});

t.test('errors', async (t) => {
  t.throws(() => modulo.predict(5, without(3, [0, 1, 2])), DispatchError, 'all dead throws');
  t.throws(() => modulo.predict(5, { servers: 3, alive: [], weights: [1, 1, 1] }), /no server is alive/);
  t.throws(() => modulo.predict(-1, initialState(3)), RangeError);
  t.throws(() => modulo.predict(2 ** 32, initialState(3)), RangeError);
  t.throws(() => modulo.predict(1.5, initialState(3)), RangeError);
  t.throws(() => modulo.predict(1, { servers: 3, alive: [2, 1], weights: [1, 1, 1] }), /ascending/);
  t.throws(() => modulo.predict(1, { servers: 3, alive: [3], weights: [1, 1, 1] }), /not in 0..2/);
  t.equal(modulo.predict(0xffffffff, initialState(7)), 0xffffffff % 7);
});

t.test('acceptance residues and the rule in words', async (t) => {
  t.equal(describeModuloRule(initialState(4), 2), 'CA mod 4 = 2');
  t.equal(describeModuloRule(without(4, [1]), 2), 'CA mod 4 = 2, or CA mod 4 = 1 and CA mod 3 = 1');
  t.equal(describeModuloRule(without(4, [1]), 1), 'failed: serves no client');
  t.equal(describeModuloRule(without(3, [0, 1]), 2), 'every client (the only server alive)');
  // n = 6, S1 and S3 failed: alive 0,2,4,5 (m = 4, gcd 2); S4 is position 2, so only even failed servers feed it: none
  t.same(moduloAcceptance(without(6, [1, 3]), 4)?.rehashFrom, []);
  t.same(moduloAcceptance(without(6, [1, 3]), 5)?.rehashFrom, [1, 3]);
  t.equal(moduloAcceptance(without(6, [1, 3]), 3), undefined);
  // the acceptance form agrees with predict
  for (const [n, dead] of [[6, [1, 3]], [9, [0, 4, 8]], [10, [2, 5, 6, 7]]] as [number, number[]][]) {
    const st = without(n, dead);
    for (const k of st.alive) {
      const acc = moduloAcceptance(st, k)!;
      const ok = CAS.every((ca) => (modulo.predict(ca, st) === k) === (ca % n === k || (acc.rehashFrom.includes(ca % n) && ca % acc.rehashModulus === acc.rehashResidue)));
      t.ok(ok, `n = ${n} failed ${dead} S${k}: ${describeModuloRule(st, k)}`);
    }
  }
});

t.test('registry', async (t) => {
  t.equal(dispatchFunction('modulo'), modulo);
  t.equal(dispatchFunction('table').name, 'table');
  t.equal(dispatchFunction('table', { buckets: 16 }).predict(7, initialState(2)) < 2, true);
  t.throws(() => dispatchFunction('nope' as 'modulo'), /unknown dispatch function "nope"; known: modulo, table/);
});

t.test('summary of a client population (modulo)', async (t) => {
  const st = without(4, [1]);
  const s = summarizeRanges(modulo, st, { base: 0xc6128000, size: 32768 });
  t.equal(s.exact, true);
  t.equal(s.evaluated, 32768);
  t.same(s.servers.map((r) => r.addresses), [10923, 0, 10923, 10922]);
  t.equal(s.servers[1]!.rule, 'failed: serves no client');
  t.equal(s.servers[2]!.rule, 'CA mod 4 = 2, or CA mod 4 = 1 and CA mod 3 = 1');
  t.match(s.text, /^server +state +addresses +share +takes clients where\nS0 +alive +10923 +33\.3%/);
  t.equal(summarizeRanges(modulo, initialState(4), { base: 0, size: 10 }).servers[2]!.rule, 'CA mod 4 = 2');
  const big = summarizeRanges(modulo, initialState(3), { base: 0x0a000000, size: 2 ** 24 }, 30000);
  t.equal(big.exact, false);
  t.equal(big.evaluated, 30000);
  t.ok(big.servers.every((r) => Math.abs(r.share - 1 / 3) < 0.02), 'sampled shares near 1/3');
  t.throws(() => summarizeRanges(modulo, initialState(3), { base: 0xffffffff, size: 2 }), DispatchError);
});
