// `lab bench`: runs the load generator inside the client node against the ghost and measures the cluster against the model.
import { copyFile, mkdir, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dispatchFunctionOf } from '../dispatch/registry.js';
import { LoadUsageError } from '../load/errors.js';
import { parseLoadArgs } from '../load/options.js';
import type { LoadResult } from '../load/run-load.js';
import type { BenchResult } from '../report/bench-result.js';
import { benchMetrics } from './bench-metrics.js';
import { rotationMetrics } from './bench-rotation.js';
import { schemeOf } from '../schemes/registry.js';
import { followLog } from './log-follow.js';
import { dispatchState } from './dispatch-control.js';
import { LabError, UsageError } from '../util/errors.js';
import { labDir, logDir } from './paths.js';
import { builtScript } from '../util/paths.js';
import type { RunningLab } from './running-lab.js';
import { bytesDir } from './servers.js';

export interface BenchFlags {
  target?: string;
  port?: string;
  duration?: string;
  rate?: string;
  concurrency?: string;
  mode?: string;
  clients?: string;
  skew?: string;
  clientsFrom?: string;
  bytes?: string;
  timeout?: string;
  workers?: string;
  seed?: string;
  /** keepalive: the client closes each connection after K responses */
  requestsPerConnection?: string;
  /** the target is a name the clients resolve by asking this server (default: the scheme's, for its own target) */
  resolver?: string;
}

let runs = 0;

export interface BenchProgress {
  elapsed_ms: number;
  sent: number;
  ok: number;
  errors: number;
  rps: number;
  /** ok answers so far per server */
  servers: Record<string, number>;
  /** Date.now() when the generator started sending */
  start_epoch_ms: number;
}

/** How a bench runs besides its flags. */
export interface BenchRun {
  onProgress?: (p: BenchProgress) => void;
  /** keep a record per request (result.records) */
  records?: boolean;
  /** start sending at this Date.now() time */
  startAtEpochMs?: number;
  /** aborting ends the sending window early; the result still comes */
  signal?: AbortSignal;
}

/** The generator's argv; flags are checked here, on the host, with the generator's own parser (exit 2 on bad ones). */
export async function generatorArgs(lab: RunningLab, f: BenchFlags): Promise<string[]> {
  const t = lab.state.topology;
  // the scheme says what clients load: the ghost, or a name and the resolver they ask (dns)
  const aim = schemeOf(t).clientTarget?.(t);
  const flags: [string, string | undefined][] = [
    ['target', f.target ?? aim?.url ?? t.ghost],
    ['resolver', f.resolver ?? (f.target === undefined ? aim?.resolver : undefined)],
    ['port', f.port ?? '80'],
    ['duration', f.duration ?? '10s'],
    ['mode', f.mode ?? 'close'],
    ['rate', f.rate],
    ['concurrency', f.concurrency ?? (f.rate === undefined ? '32' : undefined)],
    ['skew', f.skew],
    ['bytes', f.bytes],
    ['timeout', f.timeout],
    ['workers', f.workers],
    ['seed', f.seed],
    ['requests-per-connection', f.requestsPerConnection],
    ['clients', f.clients ?? (f.clientsFrom === undefined ? '1000' : undefined)],
    // one redirect is followed (the redirect scheme), only into the lab's own networks
    ['follow-redirects', [t.networks.lan.subnet, t.networks.client.subnet, `${t.ghost}/32`].join(',')],
  ];
  if (f.clientsFrom !== undefined) {
    // the file is copied into the lab's folder, which every backend's client node can read
    const copy = join(labDir(lab.name), `clients-${basename(f.clientsFrom)}`);
    await copyFile(f.clientsFrom, copy).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--clients-from: cannot read ${f.clientsFrom}: ${e.code ?? e.message}`);
    });
    flags.push(['clients-from', copy]);
  } else flags.push(['population', t.clientPopulation]);
  if (t.server === 'nginx' && f.bytes !== undefined && /^\d+$/.test(f.bytes)) await nginxBytesFile(lab.name, Number(f.bytes));
  // --flag=value, so that a value such as -5 is read as a value (and refused as one)
  const argv = flags.filter(([, v]) => v !== undefined).map(([k, v]) => `--${k}=${v}`);
  try {
    parseLoadArgs(argv);
  } catch (err) {
    if (err instanceof LoadUsageError) throw new UsageError(err.message.replace(/^load: /, ''));
    throw err;
  }
  return argv;
}

/** nginx serves /bytes/N from a file of N bytes: made (sparse) before the run. */
async function nginxBytesFile(lab: string, n: number): Promise<void> {
  const file = join(bytesDir(lab), String(n));
  await mkdir(bytesDir(lab), { recursive: true });
  await writeFile(file, '');
  await truncate(file, n);
}

/** Runs the generator as a tracked process in the client node, reporting its progress lines, and returns its result. */
async function runGenerator(lab: RunningLab, argv: string[], run: BenchRun): Promise<LoadResult> {
  const name = `load-${Date.now()}-${++runs}`;
  const extra = [...(run.records ? ['--records'] : []), ...(run.startAtEpochMs ? [`--start-at=${Math.round(run.startAtEpochMs)}`] : [])];
  const record = await lab.backend.spawn('client', name, [process.execPath, builtScript('load/main'), ...argv, ...extra, '--json', '--progress'], { logDir: logDir(lab.name) });
  const onProgress = run.onProgress ?? (() => {});
  // a stop: SIGTERM ends the generator's sending window, it drains and prints its result
  const stop = (): void => void lab.backend.stop(record, 30_000).catch(() => {});
  if (run.signal?.aborted) stop();
  run.signal?.addEventListener('abort', stop, { once: true });
  // progress lines as they come (a host file, or a tail streamed from the client with a remote engine)
  const follow = await followLog(lab.backend, 'client', record.logFile, 0, (batch) => {
    for (const line of batch) if (line.startsWith('{"progress"')) onProgress(JSON.parse(line).progress as BenchProgress);
  }, 250);
  try {
    while (await lab.backend.isRunning(record)) await sleep(250);
  } finally {
    await follow.stop();
  }
  // the whole log once more, for the result line
  const lines = async (): Promise<string[]> => ((await lab.backend.readLog('client', record.logFile, 0).catch(() => undefined))?.data.toString('utf8') ?? '').split('\n');
  run.signal?.removeEventListener('abort', stop);
  const result = (await lines()).filter((l) => l.startsWith('{') && !l.startsWith('{"progress"')).at(-1);
  if (!result) throw new LabError(`the load generator in the client ended without a result (log: ${record.logFile}): ${(await lines()).slice(-5).join(' | ')}`);
  return JSON.parse(result) as LoadResult;
}

export async function runBench(lab: RunningLab, flags: BenchFlags, run: BenchRun | ((p: BenchProgress) => void) = {}): Promise<BenchResult> {
  const how = typeof run === 'function' ? { onProgress: run } : run;
  const argv = await generatorArgs(lab, flags);
  const clients = parseLoadArgs(argv).load.clients;
  const t = lab.state.topology;
  const state = dispatchState(lab);
  const fn = dispatchFunctionOf(t);
  const load = await runGenerator(lab, argv, how);
  const names = t.servers.map((s) => s.name);
  const metrics = schemeOf(t).clientModel === 'rotation' ? rotationMetrics(load, state, names) : benchMetrics(load, clients, fn, state, names);
  return {
    lab: lab.name,
    scheme: t.scheme,
    function: t.dispatch.function,
    backend: lab.state.backend,
    target: load.target,
    mode: load.mode,
    loop: load.loop,
    duration_s: load.duration_s,
    clients_count: load.clients_count,
    requests: load.requests,
    errors_by_kind: load.errors_by_kind,
    mismatches: metrics.mismatches,
    throughput_rps: load.throughput_rps,
    latency_ms: {
      p50: load.latency_ms.p50 ?? 0,
      p90: load.latency_ms.p90 ?? 0,
      p99: load.latency_ms.p99 ?? 0,
      p999: load.latency_ms.p999 ?? 0,
      max: load.latency_ms.max ?? 0,
    },
    servers: metrics.servers,
    fairness: metrics.fairness,
    errors_by_home: metrics.errors_by_home,
    timeline: load.timeline,
    start_epoch_ms: load.start_epoch_ms,
    ...(load.records ? { records: load.records as BenchResult['records'] } : {}),
    requests_per_connection: load.requests_per_connection ?? (load.mode === 'close' ? 1 : null),
    connections: load.connections,
    connections_per_request: load.connections_per_request,
    ...(load.connection_records ? { connection_records: load.connection_records } : {}),
    dns_queries_per_request: load.dns_queries_per_request ?? null,
    ...(load.dns ? { dns: load.dns } : {}),
  };
}

