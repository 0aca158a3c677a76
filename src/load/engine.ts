// One thread's share of a load run: schedule -> client pick -> connection (pooled per address) -> stats.
import { performance } from 'node:perf_hooks';
import { makePicker } from './client-set.js';
import { buildRequest, Connection, Exchange, type ExchangeSink, type Mode } from './http-exchange.js';
import { seededRandom } from './rng.js';
import { makeScheduler, type LoopSpec, type Scheduler } from './schedule.js';
import { LoadStats, type ErrorKind, type StatsSnapshot } from './stats.js';

export interface EngineOptions {
  /** IPv4 address of the target */
  host: string;
  port: number;
  path: string;
  mode: Mode;
  /** source addresses this thread binds, in rank order */
  addresses: string[];
  /** relative request weights (null = uniform) */
  weights: number[] | null;
  loop: LoopSpec;
  durationMs: number;
  timeoutMs: number;
  seed: number;
  /** wall-clock (Date.now()) start, shared by workers so timelines align; default: now */
  startAtEpochMs?: number;
  /** keep-alive connections idle this long are closed by the client (default 4000, under Node's 5 s server default) */
  idleTimeoutMs?: number;
  progressEveryMs?: number;
  onProgress?: (p: ProgressCounters) => void;
  /** keep one record per finished request (client, start, end, outcome) */
  records?: boolean;
}

export interface ProgressCounters {
  elapsed_ms: number;
  sent: number;
  ok: number;
  errors: number;
  inflight: number;
  /** ok answers so far per server (X-Served-By) */
  servers: Record<string, number>;
  /** Date.now() when sending started */
  start_epoch_ms: number;
}

const SWEEP_MS = 10;

class Engine implements ExchangeSink {
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  readonly stats: LoadStats;
  private readonly request: Buffer;
  private readonly keepAlive: boolean;
  private readonly pick: () => number;
  private readonly idle: Connection[][];
  private readonly open = new Set<Connection>();
  /** closed connections whose sockets can connect again */
  private readonly spare: Connection[] = [];
  private readonly scheduler: Scheduler;
  /** in-flight exchanges in deadline order (both loops issue with non-decreasing deadlines); done ones skipped lazily */
  private queue: Exchange[] = [];
  private head = 0;
  private inflight = 0;
  private startT = 0;
  private startEpochMs = 0;
  private sending = false;
  /** how long requests were issued (shorter than asked when stopped early) */
  private sendingMs: number | undefined;
  private finished = false;
  private timers: NodeJS.Timeout[] = [];
  private resolve: (s: StatsSnapshot) => void = () => {};

  constructor(private readonly o: EngineOptions) {
    this.stats = new LoadStats(o.addresses, o.records === true);
    this.request = buildRequest(o.host, o.port, o.path, o.mode);
    this.keepAlive = o.mode === 'keepalive';
    this.pick = makePicker(o.weights, o.addresses.length, seededRandom(o.seed));
    this.idle = o.addresses.map(() => []);
    this.scheduler = makeScheduler(o.loop, (t0) => this.issue(t0));
  }

  run(): Promise<StatsSnapshot> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      const wait = Math.max(0, (this.o.startAtEpochMs ?? Date.now()) - Date.now());
      this.timers.push(setTimeout(() => this.begin(), wait));
    });
  }

  /** Ends the sending window now (a stop asked for); requests in flight still finish or time out. */
  stop(): void {
    if (this.finished) return;
    if (this.startT === 0) {
      // never started: an empty result
      this.finish(false);
      return;
    }
    this.scheduler.stop();
  }

  private begin(): void {
    const o = this.o;
    this.startT = performance.now();
    this.startEpochMs = Date.now();
    const endT = this.startT + o.durationMs;
    this.sending = true;
    this.timers.push(setInterval(() => this.sweep(), SWEEP_MS));
    this.timers.push(setInterval(() => this.closeIdle(), 500));
    // hard bound: whatever is still in flight after duration + timeout (+ slack) counts as a timeout
    this.timers.push(setTimeout(() => this.finish(true), o.durationMs + o.timeoutMs + 1000));
    if (o.onProgress) {
      const report = o.onProgress;
      this.timers.push(setInterval(() => report(this.progress()), o.progressEveryMs ?? 1000));
    }
    this.scheduler.start(this.startT, endT, () => {
      this.sending = false;
      this.sendingMs = performance.now() - this.startT;
      this.maybeFinish();
    });
  }

  progress(): ProgressCounters {
    const s = this.stats;
    const elapsed = this.startT === 0 ? 0 : Math.round(performance.now() - this.startT);
    return { elapsed_ms: elapsed, sent: s.sent, ok: s.ok, errors: s.errors, inflight: this.inflight, servers: Object.fromEntries(s.okByServer), start_epoch_ms: this.startEpochMs };
  }

  private issue(t0: number): void {
    const client = this.pick();
    const ex = new Exchange(client, t0, t0 + this.o.timeoutMs);
    this.stats.recordSent(client);
    this.inflight++;
    this.queue.push(ex);
    let conn: Connection | null = null;
    if (this.keepAlive) {
      const pool = this.idle[client]!;
      while (pool.length > 0) {
        const c = pool.pop()!;
        if (!c.closed) {
          conn = c;
          break;
        }
      }
    }
    try {
      if (conn === null) {
        const o = this.o;
        conn = this.spare.pop() ?? null;
        if (conn !== null) conn.reconnect(o.host, o.port, o.addresses[client], client);
        else conn = new Connection(this, o.host, o.port, o.addresses[client], client);
        this.open.add(conn);
      }
      conn.send(ex, this.request);
    } catch (e) {
      // net errors arrive as 'error' events; a synchronous throw (bad option) still counts, never crashes the run
      if (!ex.done) this.failed(ex, 'other', (e as NodeJS.ErrnoException).code ?? 'ESYNC');
    }
  }

  completed(ex: Exchange, conn: Connection): void {
    const now = performance.now();
    const p = conn.parser;
    ex.done = true;
    conn.ex = null;
    this.inflight--;
    if (this.keepAlive && p.keepAlive && !conn.closed && !this.finished) {
      conn.idleSince = now;
      this.idle[conn.client]!.push(conn);
    } else conn.destroy();
    const t = now - this.startT;
    const started = ex.t0 - this.startT;
    if (p.status >= 200 && p.status < 300) this.stats.recordOk(ex.client, p.servedBy, (now - ex.t0) * 1000, t, started);
    else this.stats.recordError(`http_${p.status}`, t, undefined, ex.client, started);
    this.scheduler.finished();
    this.maybeFinish();
  }

  failed(ex: Exchange, kind: ErrorKind, code?: string): void {
    ex.done = true;
    if (ex.conn !== null) {
      ex.conn.ex = null;
      ex.conn.destroy();
    }
    this.inflight--;
    this.stats.recordError(kind, performance.now() - this.startT, code, ex.client, ex.t0 - this.startT);
    this.scheduler.finished();
    this.maybeFinish();
  }

  closed(conn: Connection): void {
    this.open.delete(conn);
    if (conn.clean && !this.finished && conn.ex === null && conn.socket.writableLength === 0 && this.spare.length < 4096) this.spare.push(conn);
  }

  /** Times out exchanges past their deadline (head of the queue first). */
  private sweep(): void {
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const ex = q[this.head]!;
      if (!ex.done) {
        if (ex.deadline > now) break;
        this.failed(ex, 'timeout', 'deadline');
      }
      q[this.head++] = undefined as unknown as Exchange;
    }
    if (this.head > 4096 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  private closeIdle(): void {
    const limit = performance.now() - (this.o.idleTimeoutMs ?? 4000);
    for (const pool of this.idle) {
      if (pool.length === 0) continue;
      const keep = pool.filter((c) => {
        if (c.closed) return false;
        if (c.idleSince < limit) {
          c.destroy();
          return false;
        }
        return true;
      });
      pool.length = 0;
      pool.push(...keep);
    }
  }

  private maybeFinish(): void {
    if (!this.sending && this.inflight === 0) this.finish(false);
  }

  private finish(forced: boolean): void {
    if (this.finished) return;
    if (forced) {
      // failing the last one in flight finishes the run through maybeFinish()
      this.sending = false;
      this.scheduler.stop();
      for (const ex of this.queue.slice(this.head)) if (ex !== undefined && !ex.done) this.failed(ex, 'timeout', 'deadline');
      if (this.finished) return;
    }
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.open) c.destroy();
    this.open.clear();
    const wallMs = this.startT === 0 ? 0 : performance.now() - this.startT;
    this.resolve(this.stats.snapshot(Math.min(this.o.durationMs, this.sendingMs ?? this.o.durationMs), wallMs, this.startEpochMs));
  }
}

/** A run under way: its result, and a way to end its sending window early. */
export interface EngineRun {
  result: Promise<StatsSnapshot>;
  stop(): void;
}

/** Starts the load; the result resolves with this thread's counters once every request has completed or timed out. */
export function startEngine(o: EngineOptions): EngineRun {
  const engine = new Engine(o);
  return { result: engine.run(), stop: () => engine.stop() };
}

/** Runs the load to its end. */
export function runEngine(o: EngineOptions): Promise<StatsSnapshot> {
  return startEngine(o).result;
}
