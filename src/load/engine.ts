// One thread's share of a load run: schedule -> client pick -> connection (pooled per address) -> stats.
import { performance } from 'node:perf_hooks';
import { makePicker } from './client-set.js';
import { ConnectionLog, type BreakKind, type ConnectionEnd, type ConnectionLife } from './connections.js';
import { buildRequest, Connection, Exchange, type ExchangeSink, type Mode } from './http-exchange.js';
import { seededRandom } from './rng.js';
import { makeScheduler, type LoopSpec, type Scheduler } from './schedule.js';
import { LoadStats, type ErrorKind, type StatsSnapshot } from './stats.js';
import { ClientResolver, dnsErrorCode, type NameTarget } from './name-resolver.js';
import { REDIRECT_STATUSES, RedirectPolicy } from './redirect.js';

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
  /** keep-alive connections idle this long are closed by the client (default 60 s, under the lab servers' 65 s) */
  idleTimeoutMs?: number;
  /** keepalive mode: the client closes a connection after this many responses (default: never, it lasts the run) */
  requestsPerConnection?: number;
  /** keep a record per connection (the counters are always kept) */
  connectionRecords?: boolean;
  progressEveryMs?: number;
  onProgress?: (p: ProgressCounters) => void;
  /** keep one record per finished request (client, start, end, outcome) */
  records?: boolean;
  /** `host` is a name each client resolves itself through this resolver (its own TTL cache, the first address) */
  names?: NameTarget;
  /** follow one redirect into these networks (CIDRs), on a connection of its own (src/load/redirect.ts) */
  followRedirects?: string[];
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
/** Default idle timeout of keep-alive connections: under the 65 s of the lab's servers (node and nginx). */
export const IDLE_TIMEOUT_MS = 60_000;

class Engine implements ExchangeSink {
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  readonly stats: LoadStats;
  readonly connections: ConnectionLog;
  private readonly request: Buffer;
  /** responses after which a keep-alive connection is closed (Infinity: never) */
  private readonly perConnection: number;
  private readonly keepAlive: boolean;
  private readonly pick: () => number;
  private readonly idle: Connection[][];
  private readonly open = new Set<Connection>();
  /** closed connections whose sockets can connect again */
  private readonly spare: Connection[] = [];
  private readonly scheduler: Scheduler;
  /** in-flight exchanges in deadline order (both loops issue with non-decreasing deadlines); done ones skipped lazily */
  private queue: Exchange[] = [];
  /**
   * Close mode: answered connections waiting for the server's FIN (the server closes first, so TIME_WAIT stays on
   * the server and the client's bind() of its next connection finds a free port at once); destroyed at their deadline.
   */
  private lingering: Connection[] = [];
  /** the life each lingering connection was in when it began to wait (a reconnected socket is not destroyed for its old life) */
  private lingerLives: ConnectionLife[] = [];
  private lingerHead = 0;
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
  /** the clients' own resolution when the target is a name (--resolver) */
  private readonly names: ClientResolver | undefined;
  /** where a redirect may lead; undefined: a 3xx answer is an error */
  private readonly redirects: RedirectPolicy | undefined;

  constructor(private readonly o: EngineOptions) {
    this.stats = new LoadStats(o.addresses, o.records === true);
    this.connections = new ConnectionLog(o.addresses, o.connectionRecords === true);
    this.perConnection = o.mode === 'keepalive' && o.requestsPerConnection ? o.requestsPerConnection : Infinity;
    this.request = buildRequest(o.host, o.port, o.path, o.mode);
    this.keepAlive = o.mode === 'keepalive';
    this.pick = makePicker(o.weights, o.addresses.length, seededRandom(o.seed));
    this.idle = o.addresses.map(() => []);
    this.scheduler = makeScheduler(o.loop, (t0) => this.issue(t0));
    this.names = o.names ? new ClientResolver(o.names, o.addresses, () => this.startT, o.timeoutMs, o.records === true) : undefined;
    this.redirects = o.followRedirects ? new RedirectPolicy(o.followRedirects) : undefined;
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
        const host = this.names ? this.names.cached(client) : this.o.host;
        if (host === undefined) return this.resolveThenSend(ex, client);
        conn = this.connectFrom(client, host);
      }
      conn.send(ex, this.request);
    } catch (e) {
      // net errors arrive as 'error' events; a synchronous throw (bad option) still counts, never crashes the run
      if (!ex.done) this.failed(ex, 'other', (e as NodeJS.ErrnoException).code ?? 'ESYNC');
    }
  }

  /** A new connection (or a spare socket connected again) from the client's address to `host`. */
  private connectFrom(client: number, host: string): Connection {
    const o = this.o;
    let conn = this.spare.pop() ?? null;
    const life = this.connections.opened(client, performance.now() - this.startT);
    if (conn !== null) conn.reconnect(host, o.port, o.addresses[client], client, life);
    else conn = new Connection(this, host, o.port, o.addresses[client], client, life);
    this.open.add(conn);
    return conn;
  }

  /** The client has no live answer for the name: it asks (the wait counts in the request's latency and timeout), then connects to the first address. */
  private resolveThenSend(ex: Exchange, client: number): void {
    this.names!.resolve(client, ex.t0).then(
      (host) => {
        if (ex.done || this.finished) return;
        try {
          this.connectFrom(client, host).send(ex, this.request);
        } catch (e) {
          if (!ex.done) this.failed(ex, 'other', (e as NodeJS.ErrnoException).code ?? 'ESYNC');
        }
      },
      (e: unknown) => {
        if (!ex.done && !this.finished) this.failed(ex, 'other', dnsErrorCode(e));
      },
    );
  }

  completed(ex: Exchange, conn: Connection): void {
    if (this.redirects && ex.connections === 1 && REDIRECT_STATUSES.has(conn.parser.status)) return this.followRedirect(ex, conn);
    const now = performance.now();
    const p = conn.parser;
    ex.done = true;
    conn.ex = null;
    this.inflight--;
    const t = now - this.startT;
    this.settle(conn, now, t);
    const started = ex.t0 - this.startT;
    const used = this.redirects ? ex.connections : undefined;
    if (p.status >= 200 && p.status < 300) this.stats.recordOk(ex.client, p.servedBy, (now - ex.t0) * 1000, t, started, used);
    else this.stats.recordError(`http_${p.status}`, t, undefined, ex.client, started, used);
    this.scheduler.finished();
    this.maybeFinish();
  }

  /**
   * A 3xx answer with redirects followed: the first connection is settled as after any answer, and the request goes
   * on over a connection of its own to the Location (within the lab's networks), from the same client address.
   */
  private followRedirect(ex: Exchange, conn: Connection): void {
    const now = performance.now();
    const t = now - this.startT;
    conn.ex = null;
    const target = this.redirects!.target(conn.parser.location, { host: this.o.host, port: this.o.port });
    this.settle(conn, now, t);
    ex.conn = null;
    if ('error' in target) return this.failed(ex, 'other', target.error);
    ex.connections = 2;
    try {
      const second = new Connection(this, target.host, target.port, this.o.addresses[ex.client], ex.client, this.connections.opened(ex.client, t));
      second.redirected = true;
      this.open.add(second);
      second.send(ex, target.request);
    } catch (e) {
      // as in issue(): a synchronous throw counts as an error of the request, never crashes the run
      if (!ex.done) this.failed(ex, 'other', (e as NodeJS.ErrnoException).code ?? 'ESYNC');
    }
  }

  /** After an answer on `conn`: back to its client's pool (keepalive), or closed (waiting for the server's FIN when it closes). */
  private settle(conn: Connection, now: number, t: number): void {
    const p = conn.parser;
    const life = conn.life;
    if (life.port === null) life.port = conn.socket.localPort ?? null;
    life.served(p.servedBy === '' ? 'unknown' : p.servedBy);
    if (this.keepAlive && p.keepAlive && !conn.redirected && !conn.closed && !this.finished && life.requests < this.perConnection) {
      conn.idleSince = now;
      this.idle[conn.client]!.push(conn);
    } else {
      const end: ConnectionEnd = !this.keepAlive || conn.redirected || life.requests >= this.perConnection ? 'requests' : !p.keepAlive || conn.closed ? 'server_close' : 'run_end';
      this.endConnection(conn, end, null, t);
      if (!p.keepAlive && !conn.closed && !this.finished) {
        conn.idleSince = now + this.o.timeoutMs;
        this.lingering.push(conn);
        this.lingerLives.push(life);
      } else conn.destroy();
    }
  }

  failed(ex: Exchange, kind: ErrorKind, code?: string): void {
    ex.done = true;
    const t = performance.now() - this.startT;
    if (ex.conn !== null) {
      ex.conn.ex = null;
      this.endConnection(ex.conn, 'broken', breakKind(kind), t);
      ex.conn.destroy();
    }
    this.inflight--;
    this.stats.recordError(kind, t, code, ex.client, ex.t0 - this.startT, this.redirects ? ex.connections : undefined);
    this.scheduler.finished();
    this.maybeFinish();
  }

  lost(conn: Connection, kind: BreakKind): void {
    // after the run's end, a close is the end of the run, not a break
    if (this.finished) this.endConnection(conn, 'run_end', null, performance.now() - this.startT);
    else this.endConnection(conn, 'broken', kind, performance.now() - this.startT);
  }

  /** Ends the connection's current life once; the first reason given counts. */
  private endConnection(conn: Connection, end: ConnectionEnd, error: BreakKind | null, t: number): void {
    const life = conn.life;
    if (life.ended) return;
    if (life.port === null) life.port = conn.socket.localPort ?? null;
    this.connections.ended(life, t, end, error);
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
    // lingering ones past their deadline (pushed in deadline order; a reconnected one is skipped, it lives on)
    const l = this.lingering;
    const lives = this.lingerLives;
    while (this.lingerHead < l.length) {
      const c = l[this.lingerHead]!;
      const life = lives[this.lingerHead]!;
      if (c.life === life && !c.closed && c.idleSince > now) break;
      if (c.life === life && !c.closed && c.ex === null) c.destroy();
      l[this.lingerHead] = undefined as unknown as Connection;
      lives[this.lingerHead++] = undefined as unknown as ConnectionLife;
    }
    if (this.lingerHead > 4096 && this.lingerHead * 2 > l.length) {
      this.lingering = l.slice(this.lingerHead);
      this.lingerLives = lives.slice(this.lingerHead);
      this.lingerHead = 0;
    }
  }

  private closeIdle(): void {
    const limit = performance.now() - (this.o.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
    for (const pool of this.idle) {
      if (pool.length === 0) continue;
      const keep = pool.filter((c) => {
        if (c.closed) return false;
        if (c.idleSince < limit) {
          this.endConnection(c, 'idle', null, performance.now() - this.startT);
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
    const wallMs = this.startT === 0 ? 0 : performance.now() - this.startT;
    for (const c of this.open) {
      this.endConnection(c, 'run_end', null, wallMs);
      c.destroy();
    }
    this.open.clear();
    const snapshot = this.stats.snapshot(Math.min(this.o.durationMs, this.sendingMs ?? this.o.durationMs), wallMs, this.startEpochMs, this.connections.snapshot());
    if (this.names) {
      this.names.close();
      snapshot.dns = this.names.snapshot();
    }
    this.resolve(snapshot);
  }
}

/** A failed request's kind as the reason its connection broke. */
function breakKind(kind: ErrorKind): BreakKind {
  return kind === 'refused' || kind === 'reset' || kind === 'timeout' ? kind : 'other';
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
