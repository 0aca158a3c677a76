// A tiny classic-BPF interpreter: runs a program over an IPv4 packet (as xt_bpf does) and returns A at ret.
import { LabError } from '../util/errors.js';
import type { BpfProgram } from './bpf.js';

/** A program that does what no kernel would run: a bad load, jump or return. */
export class BpfRuntimeError extends LabError {
  override name = 'BpfRuntimeError';
}

function load(packet: Buffer, offset: number, size: 1 | 2 | 4, pc: number): number {
  if (offset < 0 || offset + size > packet.length) {
    throw new BpfRuntimeError(
      `instruction ${pc}: ${size}-byte load at offset ${offset} is outside the ${packet.length}-byte packet (the kernel would return 0)`,
    );
  }
  return size === 4 ? packet.readUInt32BE(offset) : size === 2 ? packet.readUInt16BE(offset) : packet[offset]!;
}

/**
 * Runs `program` on `packet` and returns the value of the ret instruction reached.
 * Supported: ld w/h/b abs (0x20/0x28/0x30), ld #k (0x00), ldx #k (0x01), tax (0x07), txa (0x87),
 * alu add/sub/mul/div/mod/and/or with k (0x04..0x94) and with X (0x0c..0x9c), ja (0x05),
 * jeq/jgt/jge/jset with k (0x15/0x25/0x35/0x45), ret #k (0x06), ret a (0x16).
 */
export function runBpf(program: BpfProgram, packet: Buffer): number {
  const insns = program.insns;
  let a = 0;
  let x = 0;
  let pc = 0;
  for (;;) {
    const insn = insns[pc];
    if (!insn) throw new BpfRuntimeError(`control reached instruction ${pc}, past the end of a ${insns.length}-instruction program without ret`);
    const k = insn.k >>> 0;
    const jump = (cond: boolean): void => {
      pc += 1 + (cond ? insn.jt : insn.jf);
    };
    switch (insn.code) {
      case 0x20: a = load(packet, k, 4, pc); pc++; break;
      case 0x28: a = load(packet, k, 2, pc); pc++; break;
      case 0x30: a = load(packet, k, 1, pc); pc++; break;
      case 0x00: a = k; pc++; break;
      case 0x01: x = k; pc++; break;
      case 0x07: x = a; pc++; break;
      case 0x87: a = x; pc++; break;
      case 0x04: case 0x0c: a = (a + (insn.code & 0x08 ? x : k)) >>> 0; pc++; break;
      case 0x14: case 0x1c: a = (a - (insn.code & 0x08 ? x : k)) >>> 0; pc++; break;
      case 0x24: case 0x2c: a = Number((BigInt(a) * BigInt(insn.code & 0x08 ? x : k)) & 0xffffffffn); pc++; break;
      case 0x34: case 0x3c: case 0x94: case 0x9c: {
        const d = insn.code & 0x08 ? x : k;
        if (d === 0) throw new BpfRuntimeError(`instruction ${pc}: division by zero`);
        a = (insn.code & 0xf0) === 0x90 ? a % d : Math.floor(a / d);
        pc++;
        break;
      }
      case 0x54: case 0x5c: a = (a & (insn.code & 0x08 ? x : k)) >>> 0; pc++; break;
      case 0x44: case 0x4c: a = (a | (insn.code & 0x08 ? x : k)) >>> 0; pc++; break;
      case 0x05: pc += 1 + k; break;
      case 0x15: jump(a === k); break;
      case 0x25: jump(a > k); break;
      case 0x35: jump(a >= k); break;
      case 0x45: jump((a & k) !== 0); break;
      case 0x06: return k;
      case 0x16: return a;
      default:
        throw new BpfRuntimeError(`instruction ${pc}: unknown or unsupported opcode 0x${insn.code.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A minimal 20-byte IPv4 header with the given source (and optional destination) address, enough for `ld [12]`. */
export function ipv4HeaderWithSource(saddr: number, daddr = 0): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20, 2);
  h[8] = 64;
  h[9] = 17;
  h.writeUInt32BE(saddr >>> 0, 12);
  h.writeUInt32BE(daddr >>> 0, 16);
  return h;
}
