// `lab run`: brings the scenario's lab up, runs the load with the timeline of failures on top, judges the assertions, takes the lab down.
import { setTimeout as sleep } from 'node:timers/promises';
import { runBench, type BenchProgress } from '../lab/bench.js';
import { dispatchState } from '../lab/dispatch-control.js';
import { downLab } from '../lab/down.js';
import type { RunningLab } from '../lab/running-lab.js';
import { upLab } from '../lab/up.js';
import type { BackendChoice } from '../topology/types.js';
import { readEvents } from '../lab/watchd-events.js';
import { actionEffect, runAction } from '../lab/actions.js';
import { actionsRan, brokenByChangeBack, judge, type AssertionResult } from './assertions.js';
import { gatherEvidence, inPhase, type Evidence } from './evidence.js';
import type { BenchResult } from '../report/bench-result.js';
import type { ActionRun } from './transitions.js';
import type { Scenario } from './types.js';

/** Time given to the generator to start in the client node before the timeline's zero. */
const START_DELAY_MS = 2000;

export interface RunOptions {
  backend?: BackendChoice;
  /** lab name (default: the scenario's) */
  name?: string;
  /** leave the lab up afterwards */
  keep?: boolean;
  onStep?: (text: string) => void;
  onProgress?: (p: BenchProgress) => void;
}

export interface PhaseRow {
  name: string;
  /** seconds from the load's start */
  from_s: number;
  to_s: number;
  sent: number;
  errors: number;
  /** answers per server */
  servers: Record<string, number>;
}

/** The lab, its load's counts, each phase, failover times and the verdicts; the load's figures as `lab bench --json` names them. */
export interface ScenarioReport extends Pick<BenchResult, 'lab' | 'backend' | 'scheme' | 'function' | 'requests' | 'errors_by_kind' | 'throughput_rps'> {
  file: string;
  description: string;
  phases: PhaseRow[];
  /** each failing action and the ms to watchd's reaction */
  failovers: { action: string; at_s: number; ms: number }[];
  /** requests broken when a node came back and its clients moved home */
  broken_by_change_back: number;
  assertions: AssertionResult[];
  passed: boolean;
  /** the load's 100 ms timeline (as `lab bench --json`), t_ms from start_epoch_ms */
  timeline: BenchResult['timeline'];
  start_epoch_ms: number;
  /** each action as it ran and each watchd reaction, ms from the load's start: the markers of `lab run --html` */
  marks: { t_ms: number; kind: 'action' | 'watchd'; label: string }[];
  /** keep-alive load: connections opened, completed, broken, answered by more than one server */
  connections?: BenchResult['connections'];
  /** each change of the function the lab logged: what it was, and the client addresses it moved */
  changes: { what: string; moved_clients: number }[];
}

/** watchd's events that are reactions or findings, for the report's markers. */
const MARKED_EVENTS = new Set(['detected', 'reconfigured', 'recovered', 'dispatcher-failover', 'dispatch-changed', 'transition-ended']);

function marks(e: Evidence): ScenarioReport['marks'] {
  const t0 = e.bench.start_epoch_ms;
  const actions = e.runs.map((r) => ({ t_ms: r.start - t0, kind: 'action' as const, label: `${r.entry.action.text}${r.error ? ' (failed)' : ''}` }));
  const what = (ev: Evidence['events'][number]): string =>
    ev.event === 'reconfigured' ? `reconfigured: ${[...(ev.down ?? []).map((n) => `${n} out`), ...(ev.up ?? []).map((n) => `${n} back`)].join(', ')}` : ev.event === 'dispatcher-failover' ? `failover ${ev.from} -> ${ev.to}` : `${ev.event} ${ev.node ?? ''}`.trim();
  const reactions = e.events.filter((ev) => MARKED_EVENTS.has(ev.event)).map((ev) => ({ t_ms: ev.t - t0, kind: 'watchd' as const, label: what(ev) }));
  return [...actions, ...reactions].sort((a, b) => a.t_ms - b.t_ms);
}

/** Runs the timeline against the load's start; an action that fails is recorded, the others still run. */
async function runTimeline(lab: RunningLab, s: Scenario, zero: number, step: (t: string) => void): Promise<ActionRun[]> {
  const runs: ActionRun[] = [];
  for (const entry of s.timeline) {
    const wait = zero + entry.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    step(`+${(entry.atMs / 1000).toFixed(1)} s: ${entry.action.text}`);
    const start = Date.now();
    try {
      await runAction(lab, entry.action);
      runs.push({ entry, start, end: Date.now() });
    } catch (err) {
      runs.push({ entry, start, end: Date.now(), error: err instanceof Error ? err.message : String(err) });
    }
  }
  return runs;
}

function phaseRows(e: Evidence): PhaseRow[] {
  const t0 = e.bench.start_epoch_ms;
  return e.phases.map((p) => {
    const rs = inPhase(e, p);
    const servers: Record<string, number> = Object.fromEntries(e.scenario.topology.servers.map((s) => [s.name, 0]));
    for (const r of rs) if (r.server !== undefined) servers[r.server] = (servers[r.server] ?? 0) + 1;
    return { name: p.name, from_s: (p.start - t0) / 1000, to_s: (p.end - t0) / 1000, sent: rs.length, errors: rs.filter((r) => r.error !== undefined).length, servers };
  });
}

function report(e: Evidence, lab: RunningLab): ScenarioReport {
  const results = [actionsRan(e), ...e.scenario.assertions.map((a) => judge(e, a))];
  const failovers = e.windows
    .filter((w) => w.reaction && actionEffect(w.action.entry.action) === 'fails')
    .map((w) => ({ action: w.action.entry.action.text, at_s: (w.start - e.bench.start_epoch_ms) / 1000, ms: w.reaction!.t - w.start }));
  const t = e.scenario.topology;
  return {
    file: e.scenario.file,
    description: e.scenario.description,
    lab: lab.name,
    backend: lab.state.backend,
    scheme: t.scheme,
    function: t.dispatch.function,
    requests: e.bench.requests,
    errors_by_kind: e.bench.errors_by_kind,
    throughput_rps: e.bench.throughput_rps,
    phases: phaseRows(e),
    failovers,
    broken_by_change_back: brokenByChangeBack(e),
    assertions: results,
    passed: results.every((r) => r.pass),
    timeline: e.bench.timeline,
    start_epoch_ms: e.bench.start_epoch_ms,
    marks: marks(e),
    ...(e.bench.connections ? { connections: e.bench.connections } : {}),
    changes: e.changes.map((c) => ({ what: c.what, moved_clients: c.moved })),
  };
}

/** Runs a scenario's load and timeline on a lab that is up (built from the scenario's topology) and judges it. */
export async function runScenarioOn(lab: RunningLab, s: Scenario, o: Pick<RunOptions, 'onStep' | 'onProgress'> = {}): Promise<ScenarioReport> {
  return (await runScenarioWithEvidence(lab, s, o)).report;
}

/** The same, with the evidence it was judged on (per request, on the wall clock), for callers that measure more (lab compare). */
export async function runScenarioWithEvidence(lab: RunningLab, s: Scenario, o: Pick<RunOptions, 'onStep' | 'onProgress'> = {}): Promise<{ report: ScenarioReport; evidence: Evidence }> {
  const step = o.onStep ?? (() => {});
  const initial = dispatchState(lab);
  const zero = Date.now() + START_DELAY_MS;
  step(`load: ${s.load.rate ? `${s.load.rate} req/s` : `${s.load.concurrency} in flight`}, ${s.mode} mode, ${s.durationMs / 1000} s`);
  const bench = runBench(lab, s.load, { records: true, startAtEpochMs: zero, onProgress: o.onProgress });
  // a generator that fails early still lets the timeline finish, and its error surfaces below
  bench.catch(() => {});
  const runs = await runTimeline(lab, s, zero, step);
  const result = await bench;
  const events = lab.state.watchd ? (await readEvents(lab.state.watchd.eventsFile)).filter((ev) => ev.t >= zero - START_DELAY_MS) : [];
  const evidence = gatherEvidence(s, result, runs, events, initial);
  return { report: report(evidence, lab), evidence };
}

/** Runs a scenario on a fresh lab of its topology; the lab is removed afterwards unless `keep`. */
export async function runScenario(s: Scenario, o: RunOptions = {}): Promise<ScenarioReport> {
  const name = o.name ?? s.lab;
  const lab = await upLab(s.topology, s.topologyFile, { name, backend: o.backend, onStep: o.onStep });
  try {
    return await runScenarioOn(lab, s, o);
  } finally {
    if (!o.keep) await downLab(name);
  }
}
