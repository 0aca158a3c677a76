// When requests are issued: open loop (constant arrival rate, intended send times) or closed loop (C in flight).
import { performance } from 'node:perf_hooks';

export type LoopSpec = { kind: 'open'; rate: number } | { kind: 'closed'; concurrency: number };

export interface Scheduler {
  /** Starts issuing at `startT` (performance.now() time) and stops at `endT`; `onEnd` runs once when it stops. */
  start(startT: number, endT: number, onEnd: () => void): void;
  /** A request finished: the closed loop issues the next one. */
  finished(): void;
  /** Stops early (no more issues; onEnd still runs). */
  stop(): void;
}

/** Most requests the open loop issues without yielding to I/O. */
const MAX_BURST = 512;
/** Deepest chain of closed-loop issues from within a finish. */
const MAX_DEPTH = 32;

/** `issue(t0)` sends one request whose latency counts from `t0`. */
export type Issue = (t0: number) => void;

/**
 * Open loop: request k is due at startT + k/rate; it is issued as soon as the timer catches up and
 * `t0` is the intended time, so generator or server stalls show up in the latency (no coordinated omission).
 */
export function openLoop(rate: number, issue: Issue, now: () => number = () => performance.now()): Scheduler {
  const interval = 1000 / rate;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let end = (): void => {};
  const finish = (): void => {
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    end();
  };
  return {
    start(startT, endT, onEnd) {
      end = onEnd;
      let k = 0;
      const tick = (): void => {
        if (ended) return;
        const t = now();
        let due = startT + k * interval;
        let burst = 0;
        while (due <= t && due < endT) {
          issue(due);
          due = startT + ++k * interval;
          if (ended) return;
          // behind schedule: let I/O run between bursts (the intended times keep the latency honest)
          if (++burst === MAX_BURST && due <= t) {
            timer = setTimeout(tick, 0);
            return;
          }
        }
        if (due >= endT) {
          timer = setTimeout(finish, Math.max(0, endT - now()));
          return;
        }
        timer = setTimeout(tick, Math.max(1, Math.min(50, due - now())));
      };
      tick();
    },
    finished() {},
    stop: finish,
  };
}

/** Closed loop: `concurrency` requests in flight; each completion (ok or error) issues the next; latency from the actual send. */
export function closedLoop(concurrency: number, issue: Issue, now: () => number = () => performance.now()): Scheduler {
  let running = false;
  let endAt = 0;
  let depth = 0;
  let timer: NodeJS.Timeout | undefined;
  let end = (): void => {};
  const finish = (): void => {
    if (!running) return;
    running = false;
    if (timer) clearTimeout(timer);
    end();
  };
  return {
    start(startT, endT, onEnd) {
      end = onEnd;
      endAt = endT;
      running = true;
      timer = setTimeout(finish, Math.max(0, endT - now()));
      for (let i = 0; i < concurrency && running; i++) issue(now());
    },
    finished() {
      if (!running) return;
      const t = now();
      if (t >= endAt) return;
      if (depth >= MAX_DEPTH) {
        // requests failing synchronously would recurse: continue from the event loop instead
        setImmediate(() => {
          if (running && now() < endAt) issue(now());
        });
        return;
      }
      depth++;
      try {
        issue(t);
      } finally {
        depth--;
      }
    },
    stop: finish,
  };
}

export function makeScheduler(loop: LoopSpec, issue: Issue, now?: () => number): Scheduler {
  return loop.kind === 'open' ? openLoop(loop.rate, issue, now) : closedLoop(loop.concurrency, issue, now);
}
