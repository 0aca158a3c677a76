// Compiles "modulo.predict(CA) === k" into a classic BPF program for iptables' `-m bpf --bytecode`.
import { moduloAcceptance } from './modulo.js';
import { DispatchError, type DispatchState } from './types.js';

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export interface BpfProgram {
  insns: BpfInsn[];
}

/** XT_BPF_MAX_NUM_INSTR in include/uapi/linux/netfilter/xt_bpf.h */
export const XT_BPF_MAX_NUM_INSTR = 64;

/** Opcodes the compiler emits (include/uapi/linux/filter.h and bpf_common.h). */
export const BPF = {
  /** BPF_LD | BPF_W | BPF_ABS: A = 32-bit word at packet offset k (network byte order) */
  LD_W_ABS: 0x20,
  /** BPF_ALU | BPF_MOD | BPF_K: A = A % k */
  ALU_MOD_K: 0x94,
  /** BPF_JMP | BPF_JEQ | BPF_K: pc += (A == k) ? jt : jf */
  JEQ_K: 0x15,
  /** BPF_JMP | BPF_JGE | BPF_K: pc += (A >= k) ? jt : jf */
  JGE_K: 0x35,
  /** BPF_RET | BPF_K: return k */
  RET_K: 0x06,
} as const;

/** Offset of the IPv4 source address from the start of the IP header (where xt_bpf's packet starts). */
export const IPV4_SADDR_OFFSET = 12;

export class BpfLimitError extends DispatchError {
  override name = 'BpfLimitError';
  constructor(
    readonly count: number,
    readonly limit: number = XT_BPF_MAX_NUM_INSTR,
    detail = '',
  ) {
    super(`the BPF program needs ${count} instructions, more than xt_bpf's limit of ${limit} (XT_BPF_MAX_NUM_INSTR)${detail}`);
  }
}

const ld = (): BpfInsn => ({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: IPV4_SADDR_OFFSET });
const mod = (n: number): BpfInsn => ({ code: BPF.ALU_MOD_K, jt: 0, jf: 0, k: n });
const ret = (v: number): BpfInsn => ({ code: BPF.RET_K, jt: 0, jf: 0, k: v });
/** A jeq whose targets are absolute instruction indexes, resolved once the layout is known. */
interface PendingJeq {
  jeq: number;
  to: number | 'next';
  elseTo: number | 'next';
}

/**
 * A program returning 1 iff modulo.predict(CA, state) === k, else 0. Layout:
 *   ld [12]; mod #n; jeq #k -> ACCEPT;
 *   jeq #d -> REHASH for each failed d whose clients can reach S_k, then ret #0
 *     (or, when shorter, jeq #a -> REJECT for each alive a != k of that residue class);
 *   REHASH: ld [12]; mod #|alive|; jeq #position(k) -> ACCEPT else REJECT; ACCEPT: ret #1; REJECT: ret #0
 */
export function compileModuloMatch(state: DispatchState, k: number): BpfProgram {
  const acc = moduloAcceptance(state, k);
  if (!acc) return { insns: [ret(0)] };
  if (acc.rehashModulus === 1) return { insns: [ret(1)] };
  const n = acc.modulus;
  if (acc.rehashFrom.length === 0) {
    return { insns: [ld(), mod(n), { code: BPF.JEQ_K, jt: 0, jf: 1, k }, ret(1), ret(0)] };
  }
  const listFailed = acc.rehashFrom.length + 1 <= acc.otherAlive.length;
  const listed = listFailed ? acc.rehashFrom : acc.otherAlive;
  const count = 3 + listed.length + (listFailed ? 1 : 0) + 5;
  if (count > XT_BPF_MAX_NUM_INSTR) {
    throw new BpfLimitError(
      count,
      XT_BPF_MAX_NUM_INSTR,
      ` (S${k} of n = ${n} with ${n - state.alive.length} failed: ${listed.length} residues to test)`,
    );
  }
  const rehashAt = 3 + listed.length + (listFailed ? 1 : 0);
  const acceptAt = rehashAt + 3;
  const rejectAt = acceptAt + 1;
  const pending: (BpfInsn | PendingJeq)[] = [ld(), mod(n), { jeq: k, to: acceptAt, elseTo: 'next' }];
  for (const v of listed) {
    pending.push({ jeq: v, to: listFailed ? rehashAt : rejectAt, elseTo: 'next' });
  }
  if (listFailed) pending.push(ret(0));
  pending.push(ld(), mod(acc.rehashModulus), { jeq: acc.rehashResidue, to: acceptAt, elseTo: rejectAt });
  pending.push(ret(1), ret(0));
  const insns = pending.map((p, i): BpfInsn => {
    if (!('jeq' in p)) return p;
    const jt = (p.to === 'next' ? i + 1 : p.to) - i - 1;
    const jf = (p.elseTo === 'next' ? i + 1 : p.elseTo) - i - 1;
    if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new DispatchError(`BPF jump offset out of 0..255 at instruction ${i}`);
    return { code: BPF.JEQ_K, jt, jf, k: p.jeq };
  });
  if (insns.length !== count) throw new DispatchError(`BPF layout error: built ${insns.length} instructions, planned ${count}`);
  return { insns };
}

/**
 * One test of the dispatcher's tree: returns 1 iff CA mod `modulus` < `split` (0 < split < modulus).
 *   ld [12]; mod #modulus; jge #split -> ret #0; ret #1; ret #0
 */
export function compileModuloBelow(modulus: number, split: number): BpfProgram {
  if (!Number.isInteger(modulus) || modulus < 2 || !Number.isInteger(split) || split < 1 || split >= modulus) {
    throw new DispatchError(`a tree test needs 0 < split < modulus, got CA mod ${modulus} < ${split}`);
  }
  const insns = [ld(), mod(modulus), { code: BPF.JGE_K, jt: 1, jf: 0, k: split }, ret(1), ret(0)];
  if (insns.length > XT_BPF_MAX_NUM_INSTR) throw new BpfLimitError(insns.length, XT_BPF_MAX_NUM_INSTR, ` (test CA mod ${modulus} < ${split})`);
  return { insns };
}

/** iptables' `--bytecode` argument: "COUNT,code jt jf k,code jt jf k,..." in decimal. */
export function toXtBpfBytecode(p: BpfProgram): string {
  if (p.insns.length === 0) throw new DispatchError('an empty BPF program cannot be loaded');
  if (p.insns.length > XT_BPF_MAX_NUM_INSTR) throw new BpfLimitError(p.insns.length);
  return [String(p.insns.length), ...p.insns.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`)].join(',');
}
