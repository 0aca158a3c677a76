// The dispatcher's tree of xt_bpf range tests, walked rule by rule through its iptables-restore text, equals the modulo model.
import t from 'tap';
import fc from 'fast-check';
import { XT_BPF_MAX_NUM_INSTR, compileModuloBelow, BpfLimitError, toXtBpfBytecode } from '../../src/dispatch/bpf.js';
import { ipv4HeaderWithSource, runBpf } from '../../src/dispatch/bpf-interpreter.js';
import { modulo } from '../../src/dispatch/modulo.js';
import { compileModuloTree } from '../../src/dispatch/modulo-tree.js';
import { modulMarkTable } from '../../src/dispatch/rules/iptables-bpf.js';
import { DispatchError, initialState, type DispatchState } from '../../src/dispatch/types.js';
import { parseRestore, walk } from '../helpers/iptables-walk.js';

const GHOST = '10.0.0.100';
const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}`);
const log2 = (x: number): number => Math.ceil(Math.log2(x));

const stateArb = fc
  .integer({ min: 2, max: 64 })
  .chain((n) =>
    fc
      .uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: n })
      .map((alive): DispatchState => ({ servers: n, alive: [...alive].sort((a, b) => a - b), weights: new Array<number>(n).fill(1) })),
  );
const caArb = fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0xc6128000, max: 0xc612ffff }), fc.integer({ min: 0, max: 300 }));

t.test('property: the tree marks every CA with 1 + modulo.predict, n = 2..64, any alive set', async (t) => {
  let states = 0;
  let deepest = 0;
  fc.assert(
    fc.property(stateArb, fc.array(caArb, { minLength: 1, maxLength: 60 }), (state, cas) => {
      states++;
      const text = modulMarkTable(GHOST, state, names(state.servers));
      const tree = compileModuloTree(state);
      const table = parseRestore(text);
      const m = state.alive.length;
      for (const ca of cas) {
        const w = walk(table, 'PREROUTING', ca, GHOST);
        if (w.verdict !== 'ACCEPT' || w.mark !== modulo.predict(ca, state) + 1) return false;
        if (w.programs > tree.depth) return false;
        deepest = Math.max(deepest, w.programs);
        // a client of an alive server takes one path down the residue tree, no more than ceil(log2 n) tests
        if (state.alive.includes(ca % state.servers) && w.programs > log2(state.servers)) return false;
      }
      // every program is a 5-instruction range test, far below xt_bpf's limit
      if (!tree.nodes.every((x) => x.program.insns.length <= XT_BPF_MAX_NUM_INSTR)) return false;
      // rehashed clients: at most the residue tree plus the tree over CA mod |alive|
      return tree.depth <= log2(state.servers) + (m < state.servers ? log2(m) : 0);
    }),
    { numRuns: 1500, seed: 20261202 },
  );
  t.pass(`${states} states walked; the deepest packet ran ${deepest} xt_bpf programs`);
});

t.test('every server alive: depth ceil(log2 n), n - 1 tests in all, and each program returns CA mod M < split', async (t) => {
  for (let n = 2; n <= 64; n++) {
    const tree = compileModuloTree(initialState(n));
    if (tree.depth !== log2(n)) t.fail(`n = ${n}: depth ${tree.depth}, want ${log2(n)}`);
    if (tree.nodes.length !== n - 1) t.fail(`n = ${n}: ${tree.nodes.length} nodes, want ${n - 1}`);
    const table = parseRestore(modulMarkTable(GHOST, initialState(n), names(n)));
    for (let ca = 0xc6128000; ca < 0xc6128000 + 4 * n; ca++) {
      const w = walk(table, 'PREROUTING', ca, GHOST);
      if (w.mark !== (ca % n) + 1) t.fail(`n = ${n}, CA ${ca}: mark ${w.mark}`);
      if (w.programs < log2(n) - 1 || w.programs > log2(n)) t.fail(`n = ${n}, CA ${ca}: ${w.programs} tests`);
    }
  }
  t.equal(compileModuloTree(initialState(64)).depth, 6, 'n = 64: 6 tests per packet (was up to 64 programs, one per server)');
  for (const [mod, split] of [[64, 32], [7, 3], [3, 1]] as const) {
    const p = compileModuloBelow(mod, split);
    for (let ca = 0; ca < 500; ca++) if ((runBpf(p, ipv4HeaderWithSource(ca)) === 1) !== ca % mod < split) t.fail(`CA ${ca} mod ${mod} < ${split}`);
  }
  t.equal(toXtBpfBytecode(compileModuloBelow(64, 32)), '5,32 0 0 12,148 0 0 64,53 1 0 32,6 0 0 1,6 0 0 0');
});

t.test('chains: deterministic names, one leaf per alive server, a packet to another address is not touched', async (t) => {
  const state: DispatchState = { ...initialState(4), alive: [0, 2, 3] };
  const text = modulMarkTable(GHOST, state, names(4));
  t.equal(text, modulMarkTable(GHOST, { ...state, alive: [...state.alive] }, names(4)), 'the same state, the same text');
  const chains = [...text.matchAll(/^:(ONEIP-\S+)/gm)].map((m) => m[1]);
  t.same(chains, ['ONEIP-DISPATCH', 'ONEIP-DISPATCH-T0-2', 'ONEIP-DISPATCH-T2-4', 'ONEIP-DISPATCH-R0-3', 'ONEIP-DISPATCH-R0-2', 'ONEIP-DISPATCH-0', 'ONEIP-DISPATCH-2', 'ONEIP-DISPATCH-3']);
  t.ok(chains.every((c) => c!.length <= 28), 'every chain name fits iptables\' 28 characters');
  t.equal([...text.matchAll(/--comment "to s(\d)"/g)].map((m) => m[1]).join(','), '0,2,3', 'one counted rule per alive server (what serverCounter reads)');
  t.equal(walk(parseRestore(text), 'PREROUTING', 7, '10.0.0.1').programs, 0, 'only ghost packets enter the tree');
  const one = modulMarkTable(GHOST, { ...initialState(3), alive: [1] }, names(3));
  t.notMatch(one, /bpf/, 'one server alive: no test at all');
  t.equal(walk(parseRestore(one), 'PREROUTING', 12345, GHOST).mark, 2);
  const big = modulMarkTable(GHOST, { ...initialState(1000), alive: Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 3 !== 0) }, names(1000));
  t.ok([...big.matchAll(/^:(\S+)/gm)].every((m) => m[1]!.length <= 28), 'n = 1000: chain names still fit');
});

t.test('a bad split is refused with the numbers in the message', async (t) => {
  t.throws(() => compileModuloBelow(4, 4), DispatchError);
  t.throws(() => compileModuloBelow(4, 0), /0 < split < modulus, got CA mod 4 < 0/);
  t.ok(new BpfLimitError(70) instanceof DispatchError);
});
