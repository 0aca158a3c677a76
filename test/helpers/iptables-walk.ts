// Walks a packet through an iptables-restore text as the kernel would (bpf, comment, -d, MARK, ACCEPT/DROP, -j/-g), for the property tests.
import type { BpfProgram } from '../../src/dispatch/bpf.js';
import { ipv4HeaderWithSource, runBpf } from '../../src/dispatch/bpf-interpreter.js';
import { ipToInt } from '../../src/net/ipv4.js';

interface Rule {
  dst?: number;
  bpf?: BpfProgram;
  mark?: number;
  verdict?: 'ACCEPT' | 'DROP';
  jump?: string;
  goto?: string;
}

export interface Walk {
  verdict: 'ACCEPT' | 'DROP' | 'policy';
  mark: number;
  /** how many xt_bpf programs ran for this packet */
  programs: number;
  /** the chains entered, in order */
  chains: string[];
}

function parseBytecode(text: string): BpfProgram {
  const [count, ...insns] = text.split(',');
  const parsed = insns.map((i) => {
    const [code, jt, jf, k] = i.trim().split(' ').map(Number);
    return { code: code!, jt: jt!, jf: jf!, k: k! };
  });
  if (parsed.length !== Number(count)) throw new Error(`bytecode announces ${count} instructions, has ${parsed.length}`);
  return { insns: parsed };
}

/** One table's chains from iptables-restore input; refuses options it does not know, so the walk never silently ignores a match. */
export function parseRestore(text: string): Map<string, Rule[]> {
  const chains = new Map<string, Rule[]>();
  for (const line of text.split('\n')) {
    const decl = /^:(\S+) /.exec(line);
    if (decl) chains.set(decl[1]!, []);
    if (!line.startsWith('-A ')) continue;
    const tokens = line.match(/"[^"]*"|\S+/g)!.map((x) => x.replace(/^"|"$/g, ''));
    const chain = tokens[1]!;
    const rule: Rule = {};
    for (let i = 2; i < tokens.length; i++) {
      const opt = tokens[i]!;
      const arg = tokens[i + 1];
      if (opt === '-d') rule.dst = ipToInt(arg!.replace('/32', ''));
      else if (opt === '-m' && (arg === 'bpf' || arg === 'comment')) {}
      else if (opt === '--bytecode') rule.bpf = parseBytecode(arg!);
      else if (opt === '--comment') {}
      else if (opt === '-j' && (arg === 'ACCEPT' || arg === 'DROP')) rule.verdict = arg;
      else if (opt === '-j' && arg === 'MARK') {}
      else if (opt === '--set-mark') rule.mark = Number(arg);
      else if (opt === '-j') rule.jump = arg;
      else if (opt === '-g') rule.goto = arg;
      else throw new Error(`iptables-walk: unknown option ${opt} in: ${line}`);
      i++;
    }
    if (!chains.has(chain)) throw new Error(`rule in undeclared chain ${chain}: ${line}`);
    chains.get(chain)!.push(rule);
  }
  return chains;
}

/** Runs a packet from `ca` to `dst` through `start` (e.g. PREROUTING) of the parsed table. */
export function walk(table: Map<string, Rule[]>, start: string, ca: number, dst: string): Walk {
  const packet = ipv4HeaderWithSource(ca, ipToInt(dst));
  const out: Walk = { verdict: 'policy', mark: 0, programs: 0, chains: [] };
  const stack: { chain: string; at: number }[] = [{ chain: start, at: 0 }];
  for (let steps = 0; stack.length > 0; steps++) {
    if (steps > 10_000) throw new Error('iptables-walk: a loop');
    const frame = stack.at(-1)!;
    const rules = table.get(frame.chain);
    if (!rules) throw new Error(`iptables-walk: no chain ${frame.chain}`);
    if (frame.at === 0) out.chains.push(frame.chain);
    const rule = rules[frame.at++];
    if (!rule) {
      stack.pop();
      continue;
    }
    if (rule.dst !== undefined && rule.dst !== ipToInt(dst)) continue;
    if (rule.bpf) {
      out.programs++;
      if (runBpf(rule.bpf, packet) === 0) continue;
    }
    if (rule.mark !== undefined) out.mark = rule.mark;
    if (rule.verdict) {
      out.verdict = rule.verdict;
      return out;
    }
    if (rule.jump) stack.push({ chain: rule.jump, at: 0 });
    if (rule.goto) {
      stack.pop();
      stack.push({ chain: rule.goto, at: 0 });
    }
  }
  return out;
}
