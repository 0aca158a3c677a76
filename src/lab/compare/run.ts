// `lab compare`: for each scheme in turn, its lab up and the same protocol (direct, steady, saturation, large replies, FTP, one failure), its row, its lab down.
import { downLab } from '../down.js';
import { runBench, type BenchFlags } from '../bench.js';
import type { RunningLab } from '../running-lab.js';
import { setNodeShape } from '../shape.js';
import { upLab } from '../up.js';
import { checkFtp, ftpClients } from './ftp-check.js';
import { failureScenario, runFailure } from './failure.js';
import { dispatcherState, interfaceBytes, samplePeak, startPeerSet, stopPeerSet } from './probes.js';
import type { CompareOptions } from './options.js';
import { compareLabName } from './options.js';
import { checkFailure, compareTopology, dispatcherNode } from './topology.js';
import type { CompareDetail, CompareResult, CompareRow } from './types.js';
import type { Topology } from '../../topology/types.js';
import type { BenchResult } from '../../report/bench-result.js';

/** The large-reply run: GET /bytes/1048576. */
export const LARGE_REPLY_BYTES = 1_048_576;
/** Closed-loop in-flight requests of the saturation run and of the large-reply run. */
const SATURATION_CONCURRENCY = 32;
const LARGE_CONCURRENCY = 4;

export interface CompareHooks {
  onStep?: (text: string) => void;
  /** a lab is about to be created (Ctrl-C should remove it from then on) and has been removed */
  onLab?: (name: string, phase: 'up' | 'down') => void;
}

/** Every scheme's topology, built and checked (the failure's node included) before any lab goes up. */
export function comparePlan(o: CompareOptions): { scheme: string; name: string; topology: Topology; file: string }[] {
  return o.schemes.map((scheme, i) => {
    const name = compareLabName(o.prefix, i, scheme);
    const { topology, file } = compareTopology(scheme, o.servers, name);
    checkFailure(topology, o.failure);
    return { scheme, name, topology, file };
  });
}

function dur(o: CompareOptions): string {
  return `${o.durationMs}ms`;
}

async function steadyRuns(lab: RunningLab, o: CompareOptions, step: (t: string) => void) {
  const t = lab.state.topology;
  const steady: BenchFlags = { rate: String(o.rate), duration: dur(o), mode: 'close' };
  step(`direct: ${o.rate} req/s to ${t.servers[0]!.name}'s own address ${t.servers[0]!.address}`);
  const direct = await runBench(lab, { ...steady, target: t.servers[0]!.address });
  step(`steady: ${o.rate} req/s to the published address ${t.ghost}`);
  await startPeerSet(lab);
  const through = await runBench(lab, steady);
  const peers = await stopPeerSet(lab);
  return { direct, through, peers };
}

async function saturation(lab: RunningLab, o: CompareOptions, dispatcher: string | undefined, step: (t: string) => void) {
  step(`saturation: ${SATURATION_CONCURRENCY} in flight for ${o.durationMs / 1000} s${dispatcher ? `, sampling ${dispatcher}'s state` : ''}`);
  const bench = runBench(lab, { concurrency: String(SATURATION_CONCURRENCY), duration: dur(o), mode: 'close' });
  const ghost = lab.state.topology.ghost;
  const peak = dispatcher ? await samplePeak(() => dispatcherState(lab, dispatcher, ghost), bench) : 0;
  return { bench: await bench, peak };
}

async function largeReplies(lab: RunningLab, o: CompareOptions, dispatcher: string | undefined, step: (t: string) => void): Promise<number> {
  step(`large replies: /bytes/${LARGE_REPLY_BYTES}, ${LARGE_CONCURRENCY} in flight${dispatcher ? `, counting ${dispatcher}'s LAN bytes` : ''}`);
  const before = dispatcher ? await interfaceBytes(lab, dispatcher, 'lan') : 0;
  const r = await runBench(lab, { concurrency: String(LARGE_CONCURRENCY), duration: dur(o), mode: 'close', bytes: String(LARGE_REPLY_BYTES), timeout: '30s' });
  const after = dispatcher ? await interfaceBytes(lab, dispatcher, 'lan') : 0;
  const served = r.requests.ok * LARGE_REPLY_BYTES;
  return dispatcher && served > 0 ? (after - before) / served : 0;
}

/** The row of one scheme on its lab (up, FTP on); `baseline` is the last direct p50 that answered, for schemes whose servers clients cannot reach. */
async function measure(lab: RunningLab, o: CompareOptions, file: string, baseline: { p50?: number }, step: (t: string) => void): Promise<{ row: CompareRow; detail: CompareDetail }> {
  const t = lab.state.topology;
  const dispatcher = dispatcherNode(t)?.name;
  if (o.shape && dispatcher) {
    step(`shaping ${dispatcher}'s LAN link to ${o.shape.rate}`);
    await setNodeShape(lab, dispatcher, o.shape);
  }
  const { direct, through, peers } = await steadyRuns(lab, o, step);
  if (direct.requests.ok > 0) baseline.p50 = direct.latency_ms.p50;
  const sat = await saturation(lab, o, dispatcher, step);
  const bytesPerByte = await largeReplies(lab, o, dispatcher, step);
  step('FTP: passive (PASV) and active (PORT) through the published address');
  const clients = ftpClients(t.clientPopulation, t.servers.length);
  const passive = await checkFtp(lab, 'passive', clients);
  const active = await checkFtp(lab, 'active', clients);
  step(`failure: ${o.failure.text} under ${o.rate} req/s`);
  const failed = await runFailure(lab, failureScenario(lab, file, checkFailure(t, o.failure), Math.max(o.durationMs, 4000), o.rate), step);
  const row: CompareRow = {
    scheme: t.scheme,
    throughput_rps: round(sat.bench.throughput_rps, 1),
    latency_ms: { p50: round(through.latency_ms.p50, 3), p99: round(through.latency_ms.p99, 3) },
    added_p50_ms: baseline.p50 === undefined ? null : round(through.latency_ms.p50 - baseline.p50, 3),
    connections_per_request: through.connections_per_request ?? 1,
    dns_queries_per_request: through.dns_queries_per_request ?? 0,
    dispatcher_state_peak: sat.peak,
    dispatcher_bytes_per_byte: round(bytesPerByte, 4),
    failure: failed.failure,
    ftp: { passive: passive.ok, active: active.ok },
    single_address: peers.length === 1 && peers[0] === t.ghost,
  };
  const detail: CompareDetail = {
    scheme: t.scheme,
    lab: lab.name,
    ...(dispatcher ? { dispatcher } : {}),
    peers,
    verdicts: [steadyVerdict(through), ...failed.verdicts, ...[passive, active].flatMap((f, i) => (f.ok ? [] : [{ name: `ftp ${i ? 'active' : 'passive'}`, pass: false, detail: f.outcomes.filter((x) => !x.ok).map((x) => `${x.client}: ${x.detail}`).join('; ') }]))],
    steady_errors: through.requests.errors,
  };
  return { row, detail };
}

/** The steady run through the published address: no request may fail. */
export const STEADY_VERDICT = 'steady: no errors';

function steadyVerdict(b: BenchResult): CompareDetail['verdicts'][number] {
  const kinds = Object.entries(b.errors_by_kind).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  return { name: STEADY_VERDICT, pass: b.requests.errors === 0 && b.requests.ok > 0, detail: `${b.requests.errors} errors in ${b.requests.sent} requests${kinds ? ` (${kinds})` : ''}` };
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** Runs the whole comparison; each lab is removed before the next comes up, also when a measurement fails. */
export async function runCompare(o: CompareOptions, hooks: CompareHooks = {}): Promise<CompareResult> {
  const step = hooks.onStep ?? (() => {});
  const plan = comparePlan(o);
  const rows: CompareRow[] = [];
  const details: CompareDetail[] = [];
  const baseline: { p50?: number } = {};
  let backend = o.backend ?? 'auto';
  for (const p of plan) {
    hooks.onLab?.(p.name, 'up');
    step(`${p.scheme}: lab ${p.name} up`);
    try {
      const lab = await upLab(p.topology, p.file, { name: p.name, ...(o.backend ? { backend: o.backend } : {}), onStep: (s) => step(`${p.scheme}: ${s}`) });
      backend = lab.state.backend;
      const { row, detail } = await measure(lab, o, p.file, baseline, (s) => step(`${p.scheme}: ${s}`));
      rows.push(row);
      details.push(detail);
    } finally {
      await downLab(p.name).catch(() => {});
      hooks.onLab?.(p.name, 'down');
    }
  }
  const settings = { schemes: o.schemes, servers: o.servers, durationMs: o.durationMs, rate: o.rate, failure: o.failure.text, backend, ...(o.shape?.rate ? { shape: o.shape.rate } : {}) };
  return { rows, details, settings };
}
