// Runs a load: resolves the target, splits the client set over worker threads (or runs inline) and merges the results.
import { lookup } from 'node:dns/promises';
import { Worker } from 'node:worker_threads';
import { isIpv4 } from '../net/ipv4.js';
import type { ClientSet } from './client-set.js';
import { startEngine, type EngineOptions, type ProgressCounters } from './engine.js';
import type { Mode } from './http-exchange.js';
import type { LoopSpec } from './schedule.js';
import { mergeSnapshots, summarize, type StatsSnapshot, type StatsSummary } from './stats.js';
import type { StartMessage, WorkerMessage } from './worker.js';
import { mergeDns, type DnsSummary, type NameTarget } from './name-resolver.js';

export interface LoadOptions {
  /** IPv4 address (or a name resolved once, IPv4) */
  target: string;
  port: number;
  /** request path, e.g. "/" or "/bytes/1024" */
  path: string;
  mode: Mode;
  loop: LoopSpec;
  durationMs: number;
  timeoutMs: number;
  clients: ClientSet;
  /** worker threads (default 1 = run in this thread) */
  workers?: number;
  seed?: number;
  idleTimeoutMs?: number;
  /** called about once a second while the run goes */
  onProgress?: (p: ProgressCounters) => void;
  /** keep one record per finished request (result.records) */
  records?: boolean;
  /** keep one record per connection (result.connection_records) */
  connectionRecords?: boolean;
  /** keepalive mode: close each connection after this many responses (default: it lasts the run) */
  requestsPerConnection?: number;
  /** Date.now() to start sending at (default: as soon as ready) */
  startAtEpochMs?: number;
  /** the target is a name every client resolves itself through this resolver (no lookup before the run) */
  resolver?: { address: string; port: number };
  /** follow one redirect whose Location is in these networks (CIDRs; the lab's); absent: a 3xx is an error */
  followRedirects?: string[];
}

export interface LoadResult extends StatsSummary {
  target: string;
  port: number;
  path: string;
  mode: Mode;
  loop: LoopSpec;
  clients_count: number;
  workers: number;
  /** keepalive: responses after which the client closes a connection (null: it lasts the run) */
  requests_per_connection: number | null;
  /** DNS queries the clients made per request sent (null: the generator resolved no name per client) */
  dns_queries_per_request: number | null;
  /** the clients' own resolution of the target's name (with a resolver) */
  dns?: DnsSummary;
}

/** The name each client resolves itself, when the target is a name and a resolver is given. */
export function nameTarget(o: Pick<LoadOptions, 'target' | 'resolver'>): NameTarget | undefined {
  return o.resolver && !isIpv4(o.target) ? { name: o.target, resolver: o.resolver.address, port: o.resolver.port } : undefined;
}

/** How the client set, rate and concurrency are split: address i goes to worker i mod W; rate and concurrency follow the weight share. */
export function splitForWorkers(o: LoadOptions, host: string): EngineOptions[] {
  const { addresses, weights } = o.clients;
  const limit = o.loop.kind === 'closed' ? Math.min(o.loop.concurrency, addresses.length) : addresses.length;
  const w = Math.max(1, Math.min(o.workers ?? 1, limit));
  const parts = Array.from({ length: w }, () => ({ addresses: [] as string[], weights: [] as number[], share: 0 }));
  let total = 0;
  addresses.forEach((a, i) => {
    const p = parts[i % w]!;
    const wt = weights ? weights[i]! : 1;
    p.addresses.push(a);
    p.weights.push(wt);
    p.share += wt;
    total += wt;
  });
  for (const p of parts) p.share /= total;
  let loops: LoopSpec[];
  if (o.loop.kind === 'open') {
    const rate = o.loop.rate;
    loops = parts.map((p) => ({ kind: 'open', rate: rate * p.share }));
  } else {
    // one each, the rest by largest remainder of the weight share
    const extra = o.loop.concurrency - w;
    const exact = parts.map((p) => extra * p.share);
    const conc = exact.map((x) => 1 + Math.floor(x));
    let left = o.loop.concurrency - conc.reduce((a, b) => a + b, 0);
    const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
    for (const [, i] of order) if (left-- > 0) conc[i]!++;
    loops = conc.map((c) => ({ kind: 'closed', concurrency: c }));
  }
  return parts.map((p, i) => ({
    host,
    port: o.port,
    path: o.path,
    mode: o.mode,
    addresses: p.addresses,
    weights: weights ? p.weights : null,
    loop: loops[i]!,
    durationMs: o.durationMs,
    timeoutMs: o.timeoutMs,
    seed: ((o.seed ?? 1) + i * 7919) >>> 0,
    idleTimeoutMs: o.idleTimeoutMs,
    records: o.records,
    connectionRecords: o.connectionRecords,
    requestsPerConnection: o.requestsPerConnection,
    names: nameTarget(o),
    ...(o.followRedirects ? { followRedirects: o.followRedirects } : {}),
  }));
}

async function resolveTarget(target: string, resolver?: LoadOptions['resolver']): Promise<string> {
  // a name with a resolver: each client asks for it during the run
  if (isIpv4(target) || resolver) return target;
  return (await lookup(target, { family: 4 })).address;
}

function workerUrl(): URL {
  // built: dist/src/load/worker.js; under the TypeScript test loader: src/load/worker.ts
  return new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
}

/** Worker start-up (module loading) may take this long before the run's own clock starts. */
const WORKER_BOOT_MS = 60_000;

/** Progress of several workers as one. */
export function mergeProgress(all: readonly ProgressCounters[]): ProgressCounters {
  const servers: Record<string, number> = {};
  for (const p of all) for (const [k, v] of Object.entries(p.servers)) servers[k] = (servers[k] ?? 0) + v;
  return {
    elapsed_ms: Math.max(...all.map((p) => p.elapsed_ms)),
    sent: all.reduce((a, p) => a + p.sent, 0),
    ok: all.reduce((a, p) => a + p.ok, 0),
    errors: all.reduce((a, p) => a + p.errors, 0),
    inflight: all.reduce((a, p) => a + p.inflight, 0),
    servers,
    start_epoch_ms: Math.min(...all.map((p) => p.start_epoch_ms)),
  };
}

interface Run<T> {
  result: Promise<T>;
  stop(): void;
}

function runInWorkers(shares: EngineOptions[], o: LoadOptions): Run<StatsSnapshot[]> {
  const latest = shares.map((): ProgressCounters => ({ elapsed_ms: 0, sent: 0, ok: 0, errors: 0, inflight: 0, servers: {}, start_epoch_ms: 0 }));
  const workers = shares.map((s) => new Worker(workerUrl(), { workerData: s }));
  let progress: NodeJS.Timeout | undefined;
  let ready = 0;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const startAll = (): void => {
    const start: StartMessage = { type: 'start', startAtEpochMs: Math.max(Date.now() + 20, o.startAtEpochMs ?? 0) };
    for (const w of workers) w.postMessage(start);
    if (stopped) for (const w of workers) w.postMessage({ type: 'stop' });
    if (o.onProgress) {
      const report = o.onProgress;
      progress = setInterval(() => report(mergeProgress(latest)), 1000);
    }
  };
  const stop = (): void => {
    stopped = true;
    if (ready === workers.length) for (const w of workers) w.postMessage({ type: 'stop' });
  };
  const result = Promise.all(
    workers.map(
      (w, i) =>
        new Promise<StatsSnapshot>((resolve, reject) => {
          // a worker that has not answered well after its own bound is stuck: stop it and fail the run
          const fail = (why: string): void => {
            reject(new Error(`load worker ${i}: ${why}`));
          };
          timers.push(setTimeout(() => fail(`not finished within ${WORKER_BOOT_MS + o.durationMs + o.timeoutMs} ms`), WORKER_BOOT_MS + o.durationMs + o.timeoutMs + 5000));
          w.on('message', (m: WorkerMessage) => {
            if (m.type === 'ready') {
              if (++ready === workers.length) startAll();
            } else if (m.type === 'progress') latest[i] = m.progress;
            else if (m.type === 'done') resolve(m.snapshot);
            else fail(m.message);
          });
          w.on('error', (e) => fail(e.message));
          w.on('exit', (code) => fail(`exited with code ${code} before its result`));
        }),
    ),
  ).finally(() => {
    if (progress) clearInterval(progress);
    for (const t of timers) clearTimeout(t);
    for (const w of workers) void w.terminate();
  });
  return { result, stop };
}

/** A load under way: its result, and a way to end the sending window early (requests in flight still finish). */
export interface LoadRun {
  result: Promise<LoadResult>;
  stop(): void;
}

/** Starts a load; `result` resolves once every request has completed or timed out (at most duration + timeout + ~1 s). */
export function startLoad(o: LoadOptions): LoadRun {
  let stopRun: () => void = () => {};
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    stopRun();
  };
  const result = (async (): Promise<LoadResult> => {
    if (o.clients.addresses.length === 0) throw new RangeError('no client addresses');
    const bad = o.clients.addresses.find((a) => !isIpv4(a));
    if (bad !== undefined) throw new RangeError(`client address is not IPv4: "${bad}"`);
    if (o.clients.weights && o.clients.weights.length !== o.clients.addresses.length) throw new RangeError('one weight per client address');
    const host = await resolveTarget(o.target, o.resolver);
    const shares = splitForWorkers(o, host);
    const run =
      shares.length === 1
        ? (() => {
            const r = startEngine({ ...shares[0]!, startAtEpochMs: o.startAtEpochMs, onProgress: o.onProgress, progressEveryMs: 1000 });
            return { result: r.result.then((s) => [s]), stop: r.stop };
          })()
        : runInWorkers(shares, o);
    stopRun = run.stop;
    if (stopped) run.stop();
    return loadResult(o, shares.length, await run.result);
  })();
  return { result, stop };
}

/** Runs the load to its end. */
export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return startLoad(o).result;
}

function loadResult(o: LoadOptions, workers: number, snaps: StatsSnapshot[]): LoadResult {
  const dns = mergeDns(nameTarget(o), snaps.map((s) => s.dns));
  const sent = snaps.reduce((a, s) => a + s.sent, 0);
  return {
    target: o.target,
    port: o.port,
    path: o.path,
    mode: o.mode,
    loop: o.loop,
    clients_count: o.clients.addresses.length,
    workers,
    requests_per_connection: o.mode === 'keepalive' ? (o.requestsPerConnection ?? null) : 1,
    ...summarize(mergeSnapshots(snaps)),
    dns_queries_per_request: dns ? (sent === 0 ? 0 : Math.round((dns.queries / sent) * 10000) / 10000) : null,
    ...(dns ? { dns } : {}),
  };
}
