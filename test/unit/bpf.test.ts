// The classic-BPF compiler, run in the interpreter, must agree with the modulo model for every server.
import t from 'tap';
import fc from 'fast-check';
import { BPF, BpfLimitError, compileModuloMatch, toXtBpfBytecode, XT_BPF_MAX_NUM_INSTR, type BpfProgram } from '../../src/dispatch/bpf.js';
import { BpfRuntimeError, ipv4HeaderWithSource, runBpf } from '../../src/dispatch/bpf-interpreter.js';
import { modulo } from '../../src/dispatch/modulo.js';
import { DispatchError, initialState, type DispatchState } from '../../src/dispatch/types.js';

const stateArb = fc
  .integer({ min: 1, max: 64 })
  .chain((n) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n })
      .map((alive): DispatchState => ({ servers: n, alive: [...alive].sort((a, b) => a - b), weights: new Array<number>(n).fill(1) })),
  );

const caArb = fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0xc6128000, max: 0xc612ffff }), fc.integer({ min: 0, max: 300 }));

t.test('property: the program accepts CA iff modulo.predict(CA) === k, for every k', async (t) => {
  let programs = 0;
  let longest = 0;
  fc.assert(
    fc.property(stateArb, fc.array(caArb, { minLength: 1, maxLength: 40 }), (state, cas) => {
      const progs = Array.from({ length: state.servers }, (_, k) => compileModuloMatch(state, k));
      programs += progs.length;
      for (const p of progs) {
        if (p.insns.length > XT_BPF_MAX_NUM_INSTR) return false;
        longest = Math.max(longest, p.insns.length);
      }
      for (const ca of cas) {
        const pkt = ipv4HeaderWithSource(ca);
        const want = modulo.predict(ca, state);
        for (let k = 0; k < state.servers; k++) {
          if ((runBpf(progs[k]!, pkt) !== 0) !== (want === k)) return false;
        }
      }
      return true;
    }),
    { numRuns: 1500, seed: 20240611 },
  );
  t.pass(`${programs} programs checked, longest ${longest} instructions (n <= 64 always fits in ${XT_BPF_MAX_NUM_INSTR})`);
});

t.test('exhaustive over a full period for the paper\'s cases', async (t) => {
  const cases: DispatchState[] = [initialState(4), { ...initialState(4), alive: [0, 2, 3] }, { ...initialState(7), alive: [1, 3, 4, 6] }, { ...initialState(12), alive: [0, 1, 2, 5, 6, 7, 8, 10, 11] }];
  for (const st of cases) {
    const progs = st.alive.map((k) => ({ k, p: compileModuloMatch(st, k) }));
    let bad = 0;
    for (let ca = 0xc6128000; ca < 0xc6128000 + 5000; ca++) {
      const pkt = ipv4HeaderWithSource(ca);
      const hits = progs.filter(({ p }) => runBpf(p, pkt) !== 0).map(({ k }) => k);
      if (hits.length !== 1 || hits[0] !== modulo.predict(ca, st)) bad++;
    }
    t.equal(bad, 0, `n = ${st.servers} alive ${st.alive}: exactly one program matches each CA, the predicted one`);
  }
});

t.test('program shapes', async (t) => {
  t.same(compileModuloMatch(initialState(4), 2).insns, [
    { code: 0x20, jt: 0, jf: 0, k: 12 },
    { code: 0x94, jt: 0, jf: 0, k: 4 },
    { code: 0x15, jt: 0, jf: 1, k: 2 },
    { code: 0x06, jt: 0, jf: 0, k: 1 },
    { code: 0x06, jt: 0, jf: 0, k: 0 },
  ]);
  t.equal(toXtBpfBytecode(compileModuloMatch(initialState(4), 2)), '5,32 0 0 12,148 0 0 4,21 0 1 2,6 0 0 1,6 0 0 0');
  const dead = { ...initialState(4), alive: [0, 2, 3] };
  t.same(compileModuloMatch(dead, 1).insns, [{ code: BPF.RET_K, jt: 0, jf: 0, k: 0 }], 'a failed server: ret #0');
  // the paper's case: S1 of 4 failed; S2 takes CA mod 4 = 2, or CA mod 4 = 1 and CA mod 3 = 1
  t.equal(
    toXtBpfBytecode(compileModuloMatch(dead, 2)),
    '10,32 0 0 12,148 0 0 4,21 5 0 2,21 1 0 1,6 0 0 0,32 0 0 12,148 0 0 3,21 0 1 1,6 0 0 1,6 0 0 0',
  );
  t.same(compileModuloMatch({ ...initialState(5), alive: [3] }, 3).insns, [{ code: 6, jt: 0, jf: 0, k: 1 }], 'only server alive: ret #1');
  // n = 6 with S1, S3 failed: S4 is alive position 2, gcd(6, 4) = 2, odd failed servers cannot reach it
  t.equal(compileModuloMatch({ ...initialState(6), alive: [0, 2, 4, 5] }, 4).insns.length, 5, 'irrelevant failed servers are skipped');
  // bytecode values are unsigned decimal
  t.equal(toXtBpfBytecode({ insns: [{ code: 6, jt: 0, jf: 0, k: 0xffffffff }] }), '1,6 0 0 4294967295');
  t.match(toXtBpfBytecode(compileModuloMatch({ ...initialState(9), alive: [1, 2, 4, 5, 7] }, 4)), /^\d+(,\d+ \d+ \d+ \d+)+$/);
});

t.test('the 64-instruction limit', async (t) => {
  // n = 200, S101..S199 failed: 101 alive (coprime with 200), 99 failed servers feed every alive one
  const st: DispatchState = { ...initialState(200), alive: Array.from({ length: 101 }, (_, i) => i) };
  const err = t.throws(() => compileModuloMatch(st, 5)) as unknown;
  t.ok(err instanceof BpfLimitError && err instanceof DispatchError, 'a BpfLimitError, a DispatchError');
  t.match((err as Error).message, /needs 108 instructions, more than xt_bpf's limit of 64/);
  t.equal((err as BpfLimitError).count, 108);
  t.equal((err as BpfLimitError).limit, 64);
  const long: BpfProgram = { insns: Array.from({ length: 65 }, () => ({ code: 6, jt: 0, jf: 0, k: 0 })) };
  t.throws(() => toXtBpfBytecode(long), BpfLimitError, 'never renders a program over the limit');
  t.throws(() => toXtBpfBytecode({ insns: [] }), DispatchError);
  // large n is fine while the failures are few
  const few: DispatchState = { ...initialState(1000), alive: Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 17 && i !== 400) };
  const p = compileModuloMatch(few, 3);
  t.ok(p.insns.length <= 11, `n = 1000 with 2 failed: ${p.insns.length} instructions`);
  for (let ca = 0; ca < 20000; ca++) if ((runBpf(p, ipv4HeaderWithSource(ca)) !== 0) !== (modulo.predict(ca, few) === 3)) t.fail(`CA ${ca}`);
});

t.test('interpreter', async (t) => {
  const pkt = ipv4HeaderWithSource(0xc6128005, 0x0a000064);
  t.equal(runBpf({ insns: [{ code: 0x20, jt: 0, jf: 0, k: 12 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), 0xc6128005, 'ld [12] loads the source address');
  t.equal(runBpf({ insns: [{ code: 0x20, jt: 0, jf: 0, k: 16 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), 0x0a000064);
  t.equal(runBpf({ insns: [{ code: 0x30, jt: 0, jf: 0, k: 0 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), 0x45);
  t.equal(runBpf({ insns: [{ code: 0x20, jt: 0, jf: 0, k: 12 }, { code: 0x94, jt: 0, jf: 0, k: 1000 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), 0xc6128005 % 1000);
  t.throws(() => runBpf({ insns: [{ code: 0x20, jt: 0, jf: 0, k: 18 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), BpfRuntimeError, 'out-of-bounds load');
  t.throws(() => runBpf({ insns: [{ code: 0x20, jt: 0, jf: 0, k: 18 }, { code: 0x16, jt: 0, jf: 0, k: 0 }] }, pkt), /outside the 20-byte packet/);
  t.throws(() => runBpf({ insns: [{ code: 0x61, jt: 0, jf: 0, k: 0 }] }, pkt), /unknown or unsupported opcode 0x61/);
  t.throws(() => runBpf({ insns: [{ code: 0x94, jt: 0, jf: 0, k: 0 }, { code: 6, jt: 0, jf: 0, k: 0 }] }, pkt), /division by zero/);
  t.throws(() => runBpf({ insns: [{ code: 0x15, jt: 5, jf: 5, k: 0 }] }, pkt), /past the end/);
});
