// watchd's failure detector, pure: consecutive missed rounds mark a target failed, as many answered rounds mark it back.
import type { ProbeRound } from './round.js';

export interface TargetHealth {
  failed: boolean;
  /** consecutive missed rounds */
  misses: number;
  /** consecutive answered rounds */
  oks: number;
  /** start of the first round of the current run of misses */
  firstMissT?: number;
  lastError?: string;
  /** whether the last round that judged it was an answer */
  lastOk: boolean;
}

/** `at`: when the round that made the transition ended (the prober's clock, which is the host's). */
export type Transition =
  | { kind: 'detected'; target: string; misses: number; firstMissT: number; error: string; at: number }
  | { kind: 'recovered'; target: string; oks: number; at: number }
  /** every server missed in one round: the prober itself is cut off; nothing is judged until it sees again */
  | { kind: 'blind'; t: number; error: string }
  | { kind: 'sighted'; t: number };

export class Monitor {
  private readonly health = new Map<string, TargetHealth>();
  private blind = false;

  constructor(
    readonly servers: string[],
    readonly dispatchers: string[],
    readonly misses: number,
  ) {
    for (const name of [...servers, ...dispatchers]) this.health.set(name, { failed: false, misses: 0, oks: 0, lastOk: true });
  }

  get(target: string): TargetHealth {
    const h = this.health.get(target);
    if (!h) throw new Error(`watchd: unknown target ${target}`);
    return h;
  }

  failed(target: string): boolean {
    return this.get(target).failed;
  }

  /** Judges one round; returns what changed. */
  feed(round: ProbeRound): Transition[] {
    const out: Transition[] = [];
    const allServersMissed = this.servers.length > 1 && this.servers.every((s) => s in round.fail);
    if (allServersMissed !== this.blind) {
      this.blind = allServersMissed;
      out.push(allServersMissed ? { kind: 'blind', t: round.t, error: round.fail[this.servers[0]!]! } : { kind: 'sighted', t: round.t });
    }
    if (allServersMissed) return out;
    const skip = new Set(round.skip ?? []);
    for (const target of [...this.servers, ...this.dispatchers]) {
      if (skip.has(target)) continue;
      const t = this.judge(target, round.t, round.t + round.ms, round.fail[target]);
      if (t) out.push(t);
    }
    return out;
  }

  private judge(target: string, t: number, at: number, error: string | undefined): Transition | undefined {
    const h = this.get(target);
    if (error === undefined) {
      h.misses = 0;
      h.oks++;
      h.lastOk = true;
      delete h.firstMissT;
      if (h.failed && h.oks >= this.misses) {
        h.failed = false;
        return { kind: 'recovered', target, oks: h.oks, at };
      }
      return undefined;
    }
    h.oks = 0;
    h.misses++;
    h.lastOk = false;
    h.lastError = error;
    h.firstMissT ??= t;
    if (!h.failed && h.misses >= this.misses) {
      h.failed = true;
      return { kind: 'detected', target, misses: h.misses, firstMissT: h.firstMissT, error, at };
    }
    return undefined;
  }
}
