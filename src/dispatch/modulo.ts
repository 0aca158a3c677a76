// The paper's dispatching function (section 6.3): k = CA mod n, failed servers' clients rehashed over the alive ones; its BPF rules.
import { moduloFilterTable, moduloSecondChanceTable, modulMarkTable } from './rules/iptables-bpf.js';
import { DispatchError, type DispatchFunction, type DispatchState } from './types.js';

/** Checks `ca` is an unsigned 32-bit integer and returns it. */
export function clientAddress(ca: number): number {
  if (!Number.isInteger(ca) || ca < 0 || ca > 0xffffffff) {
    throw new RangeError(`client address must be an unsigned 32-bit integer, got ${ca}`);
  }
  return ca;
}

/** Checks n and the alive list (ascending, distinct, each in 0..n-1); throws DispatchError when none is alive. */
export function checkAlive(state: DispatchState): void {
  const { servers: n, alive } = state;
  if (!Number.isInteger(n) || n < 1) throw new DispatchError(`the number of servers must be a positive integer, got ${n}`);
  if (alive.length === 0) throw new DispatchError(`no server is alive (n = ${n}): nothing can serve a client`);
  for (let i = 0; i < alive.length; i++) {
    const s = alive[i]!;
    if (!Number.isInteger(s) || s < 0 || s >= n) throw new DispatchError(`alive server index ${s} is not in 0..${n - 1}`);
    if (i > 0 && s <= alive[i - 1]!) throw new DispatchError(`alive servers must be ascending and distinct, got [${alive.join(', ')}]`);
  }
}

/**
 * The model: k = CA mod n; S_k if alive, else alive[CA mod |alive|].
 * With one failed server this is exactly the paper's j = CA mod (n-1), S_j if j < k else S_(j+1).
 */
export const modulo: DispatchFunction = {
  name: 'modulo',
  label: 'modulo',
  predict(ca: number, state: DispatchState): number {
    clientAddress(ca);
    checkAlive(state);
    const k = ca % state.servers;
    if (state.alive.includes(k)) return k;
    return state.alive[ca % state.alive.length]!;
  },
  describe: (state, k) => describeModuloRule(state, k),
  markRules: (ghost, state, names) => ({
    kind: 'load',
    command: 'iptables-restore',
    text: modulMarkTable(ghost, state, names),
    comment: 'dispatch: mark = 1 + server index: a binary tree of classic BPF tests CA mod n < split (xt_bpf)',
  }),
  filterRules: (ghost, state, k, name, options) => ({
    kind: 'load',
    command: 'iptables-restore',
    text: moduloFilterTable(ghost, state, k, name, options?.passMidstream),
    comment: `local filter (paper 5): accept only clients whose hash names ${name}${options?.passMidstream ? ', and TCP other than a SYN (transition)' : ''}, in raw PREROUTING (xt_bpf's earliest hook, before conntrack)`,
  }),
  secondChanceRules: (ghost, generations, k, reachable, names) => ({
    kind: 'load',
    command: 'iptables-restore',
    text: moduloSecondChanceTable(ghost, generations, k, reachable, names),
    comment: generations.length > 1 ? 'transition: mark untracked TCP with its owner under the functions before the change (CA mod n in BPF)' : 'transition: none in force (mangle table empty)',
  }),
};

/** The paper's formula, literally, for n servers of which only S_k has failed. */
export function paperSingleFailure(ca: number, n: number, k: number): number {
  clientAddress(ca);
  if (!Number.isInteger(n) || n < 2) throw new DispatchError(`the single-failure formula needs n >= 2, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new DispatchError(`failed server ${k} is not in 0..${n - 1}`);
  if (ca % n !== k) return ca % n;
  const j = ca % (n - 1);
  return j < k ? j : j + 1;
}

/**
 * When modulo.predict(CA, state) === k, for an alive S_k, written as residues:
 * CA mod n = k, or (CA mod n is one of `rehashFrom` and CA mod `rehashModulus` = `rehashResidue`).
 * `rehashFrom` lists only the failed servers whose clients can reach S_k: by the Chinese remainder
 * theorem, failed d can send clients to alive position p iff d = p (mod gcd(n, |alive|)).
 * `otherAlive` lists the alive servers other than k in that same residue class (the complement,
 * which a filter may test instead when it is shorter). Returns undefined when S_k is dead.
 */
export interface ModuloAcceptance {
  modulus: number;
  residue: number;
  rehashFrom: number[];
  otherAlive: number[];
  rehashModulus: number;
  rehashResidue: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function moduloAcceptance(state: DispatchState, k: number): ModuloAcceptance | undefined {
  checkAlive(state);
  const n = state.servers;
  const p = state.alive.indexOf(k);
  if (p < 0) return undefined;
  const m = state.alive.length;
  const g = gcd(n, m);
  const alive = new Set(state.alive);
  const rehashFrom: number[] = [];
  const otherAlive: number[] = [];
  for (let s = p % g; s < n; s += g) {
    if (!alive.has(s)) rehashFrom.push(s);
    else if (s !== k) otherAlive.push(s);
  }
  return { modulus: n, residue: k, rehashFrom, otherAlive, rehashModulus: m, rehashResidue: p };
}

/** The acceptance rule in words, e.g. "CA mod 4 = 2" or "CA mod 4 = 2, or CA mod 4 in {1} and CA mod 3 = 1". */
export function describeModuloRule(state: DispatchState, k: number): string {
  const acc = moduloAcceptance(state, k);
  if (!acc) return 'failed: serves no client';
  if (acc.rehashModulus === 1) return 'every client (the only server alive)';
  const direct = `CA mod ${acc.modulus} = ${acc.residue}`;
  if (acc.rehashFrom.length === 0) return direct;
  const from = acc.rehashFrom.length === 1 ? `= ${acc.rehashFrom[0]}` : `in {${acc.rehashFrom.join(', ')}}`;
  return `${direct}, or CA mod ${acc.modulus} ${from} and CA mod ${acc.rehashModulus} = ${acc.rehashResidue}`;
}
