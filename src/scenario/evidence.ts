// What a scenario run left to judge: the requests on the wall clock, the model, the phases and the transition windows.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import type { DispatchFunction, DispatchState } from '../dispatch/types.js';
import { cidrSize, intToIp, ipToInt, parseCidr } from '../net/ipv4.js';
import type { BenchResult } from '../report/bench-result.js';
import type { Topology } from '../topology/types.js';
import type { WatchdEvent } from '../lab/watchd-events.js';
import { stateSpans, transitionWindows, type ActionRun, type StateSpan, type Window } from './transitions.js';
import type { Scenario } from './types.js';

/** One request on the wall clock (Date.now() ms). */
export interface Request {
  client: string;
  start: number;
  end: number;
  /** the server that answered, or undefined for an error */
  server?: string;
  error?: string;
}

/** One keep-alive connection on the wall clock. */
export interface Connection {
  client: string;
  opened: number;
  /** when it broke, or undefined */
  broken?: number;
  /** its answers as runs: [server, count] */
  servers: [string, number][];
}

/** A change of the function the lab logged: what and how many client addresses it moved. */
export interface LoggedChange {
  what: string;
  moved: number;
}

export interface Phase {
  name: string;
  start: number;
  end: number;
  /** when the action that began it was settled (watchd's reaction); the phase's start for the first one */
  settled: number;
}

export interface Evidence {
  scenario: Scenario;
  bench: BenchResult;
  requests: Request[];
  runs: ActionRun[];
  events: WatchdEvent[];
  windows: Window[];
  spans: StateSpan[];
  phases: Phase[];
  fn: DispatchFunction;
  initial: DispatchState;
  /** the server a client is on with the initial state */
  home(client: string): string;
  /** the servers the model allows for a request: one per dispatch state in force while it ran */
  allowed(r: Request): Set<string>;
  /** the servers the model gives a client at an instant (one per state that may have been in force then) */
  allowedAt(client: string, at: number): Set<string>;
  /** keep-alive connections (bench connection records) */
  connections: Connection[];
  /** the changes of the function the lab logged during the run */
  changes: LoggedChange[];
  /** the model's share of each server over the client population, for a state */
  populationShares(state: DispatchState): Record<string, number>;
}

export function requestsOf(bench: BenchResult): Request[] {
  const t0 = bench.start_epoch_ms;
  return (bench.records ?? []).map(([client, s, e, outcome]) =>
    outcome.startsWith('!') ? { client, start: t0 + s, end: t0 + e, error: outcome.slice(1) } : { client, start: t0 + s, end: t0 + e, server: outcome },
  );
}

/** The bench's connection records on the wall clock. */
export function connectionsOf(bench: BenchResult): Connection[] {
  const t0 = bench.start_epoch_ms;
  return (bench.connection_records ?? []).map((c) => ({
    client: c.client,
    opened: t0 + c.opened_ms,
    ...(c.broken && c.broken_ms !== null ? { broken: t0 + c.broken_ms } : {}),
    servers: c.servers,
  }));
}

function phasesOf(s: Scenario, windows: Window[], from: number, to: number): Phase[] {
  const starts = [{ name: s.firstPhase, start: from, settled: from }, ...windows.map((w) => ({ name: w.action.entry.phase, start: w.action.start, settled: w.end }))];
  return starts.map((p, i) => {
    const end = starts[i + 1]?.start ?? to;
    return { ...p, end, settled: Math.min(p.settled, end) };
  });
}

/** Server k's name: the topology's, or s{k} for one a scale added. */
function serverName(t: Topology, k: number): string {
  return t.servers[k]?.name ?? `s${k}`;
}

/** At most this many addresses of the population are asked for the model's shares (evenly spaced). */
const SHARE_SAMPLE = 65536;

function shares(t: Topology, fn: DispatchFunction, state: DispatchState): Record<string, number> {
  const c = parseCidr(t.clientPopulation);
  const size = cidrSize(c);
  const n = Math.min(size, SHARE_SAMPLE);
  const out: Record<string, number> = Object.fromEntries(state.alive.map((k) => [serverName(t, k), 0]));
  for (let i = 0; i < n; i++) {
    const ip = ipToInt(intToIp(c.base + Math.floor((i * size) / n)));
    const name = serverName(t, fn.predict(ip, state));
    out[name] = (out[name] ?? 0) + 1 / n;
  }
  return out;
}

export function gatherEvidence(scenario: Scenario, bench: BenchResult, runs: ActionRun[], events: WatchdEvent[], initial: DispatchState): Evidence {
  const t = scenario.topology;
  const fn = dispatchFunctionOf(t);
  const requests = requestsOf(bench);
  const from = bench.start_epoch_ms;
  const to = Math.max(from + bench.duration_s * 1000, ...requests.map((r) => r.end));
  const spans = stateSpans(t, initial, events, from, to);
  const name = (ip: string, state: DispatchState): string => serverName(t, fn.predict(ipToInt(ip), state));
  const homes = new Map<string, string>();
  const windows = transitionWindows(runs, events, to);
  return {
    scenario,
    bench,
    requests,
    runs,
    events,
    windows,
    spans,
    phases: phasesOf(scenario, windows, from, to),
    fn,
    initial,
    home: (client) => homes.get(client) ?? (homes.set(client, name(client, initial)), homes.get(client)!),
    allowed: (r) => new Set(spans.filter((sp) => r.start <= sp.to && r.end >= sp.from).map((sp) => name(r.client, sp.state))),
    allowedAt: (client, at) => new Set(spans.filter((sp) => at <= sp.to && at >= sp.from).map((sp) => name(client, sp.state))),
    connections: connectionsOf(bench),
    changes: events.filter((ev) => ev.event === 'dispatch-changed' && ev.t >= from).map((ev) => ({ what: ev.message ?? '', moved: ev.moved_clients ?? 0 })),
    populationShares: (state) => shares(t, fn, state),
  };
}

/** The requests that started within a phase (with `settled`, only once what began it had settled). */
export function inPhase(e: Evidence, phase: Phase, settled = false): Request[] {
  const from = settled ? phase.settled : phase.start;
  return e.requests.filter((r) => r.start >= from && r.start < phase.end);
}
