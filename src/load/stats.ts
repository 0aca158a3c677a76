// Load counters: sent = ok + errors, errors by kind, HDR latency, per-server and per-client answers, a 100 ms timeline.
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { connectionsPerRequest, mergeConnectionCounts, type ConnectionsPerRequestCounts } from './redirect.js';
import { mergeConnectionSummaries, type ConnectionRecord, type ConnectionSummary } from './connections.js';
import type { DnsSnapshot } from './name-resolver.js';

export const TIMELINE_STEP_MS = 100;
/** Error kinds always present in a result (http_<status> ones appear when seen). */
export const ERROR_KINDS = ['refused', 'reset', 'timeout', 'other'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number] | `http_${number}`;

/** Latencies are recorded in microseconds, up to an hour, 3 significant digits. */
export function newHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/** One finished request (with --records): client address, start and end in ms from the run's start, and the server that answered or `!kind` for an error. */
export type RequestRecord = [client: string, startMs: number, endMs: number, outcome: string, connections?: number];

export interface TimelinePoint {
  t_ms: number;
  ok: number;
  errors: number;
  servers: Record<string, number>;
}

/** What one thread hands over: plain data (histogram as compressed base64), mergeable across workers. */
export interface StatsSnapshot {
  sent: number;
  ok: number;
  errors: number;
  errorsByKind: Record<string, number>;
  /** error codes behind the "other" kind, e.g. EADDRNOTAVAIL */
  otherCodes: Record<string, number>;
  histogram: string;
  /** every client address that sent a request -> server name -> ok answers */
  clients: Record<string, Record<string, number>>;
  /** per client address: requests that ended in an error */
  clientErrors: Record<string, number>;
  timeline: TimelinePoint[];
  /** length of the sending window */
  durationMs: number;
  /** sending window plus the drain of in-flight requests */
  wallMs: number;
  /** Date.now() when sending started */
  startEpochMs: number;
  /** every finished request, when records were asked for */
  records?: RequestRecord[];
  /** connection counters (opened = completed + broken) */
  connections: ConnectionSummary;
  /** every connection, when kept */
  connectionRecords?: ConnectionRecord[];
  /** the thread's own name resolution (--resolver) */
  dns?: DnsSnapshot;
  /** finished requests by the connections each used ("1"; "2": a followed redirect) */
  connectionsPerRequest?: ConnectionsPerRequestCounts;
}

/** The connection part of a snapshot, from a ConnectionLog. */
export interface ConnectionsPart {
  summary: ConnectionSummary;
  records?: ConnectionRecord[];
}

const NO_CONNECTIONS: ConnectionsPart = { summary: { opened: 0, completed: 0, broken: 0, switched_server: 0 } };

interface Bucket {
  ok: number;
  errors: number;
  servers: Map<string, number>;
}

const inc = (m: Map<string, number>, k: string, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);

/** Counters of one thread; client addresses are referred to by their index. */
export class LoadStats {
  sent = 0;
  ok = 0;
  errors = 0;
  readonly histogram = newHistogram();
  private readonly errorsByKind = new Map<string, number>();
  private readonly otherCodes = new Map<string, number>();
  private readonly perClient: (Map<string, number> | undefined)[];
  private readonly perClientErrors: number[];
  private readonly timeline: Bucket[] = [];
  /** ok answers per server, for progress reports */
  readonly okByServer = new Map<string, number>();
  /** [client index, start ms, end ms, outcome(, connections)] per finished request, when kept */
  private readonly records: [number, number, number, string, number?][] | undefined;
  /** finished requests by the connections each used */
  readonly connectionCounts: ConnectionsPerRequestCounts = {};

  constructor(
    readonly addresses: readonly string[],
    keepRecords = false,
  ) {
    this.records = keepRecords ? [] : undefined;
    this.perClient = new Array(addresses.length);
    this.perClientErrors = new Array<number>(addresses.length).fill(0);
  }

  recordSent(client: number): void {
    this.sent++;
    if (this.perClient[client] === undefined) this.perClient[client] = new Map();
  }

  /** A 2xx answer from `server` (X-Served-By, "unknown" if absent), `tMs` after the start, to a request sent at `startMs`. */
  recordOk(client: number, server: string, latencyUs: number, tMs: number, startMs = tMs, connections?: number): void {
    this.ok++;
    this.countConnections(connections);
    const v = latencyUs < 0 ? 0 : latencyUs > 3_600_000_000 ? 3_600_000_000 : Math.round(latencyUs);
    this.histogram.recordValue(v);
    const s = server === '' ? 'unknown' : server;
    inc(this.okByServer, s);
    this.records?.push(withConnections([client, round1(startMs), round1(tMs), s], connections));
    const m = this.perClient[client]!;
    m.set(s, (m.get(s) ?? 0) + 1);
    const b = this.bucket(tMs);
    b.ok++;
    b.servers.set(s, (b.servers.get(s) ?? 0) + 1);
  }

  recordError(kind: ErrorKind, tMs: number, code?: string, client?: number, startMs = tMs, connections?: number): void {
    this.errors++;
    if (client !== undefined) {
      this.countConnections(connections);
      this.perClientErrors[client]!++;
      this.records?.push(withConnections([client, round1(startMs), round1(tMs), `!${kind}`], connections));
    }
    inc(this.errorsByKind, kind);
    if (kind === 'other') inc(this.otherCodes, code ?? 'unknown');
    this.bucket(tMs).errors++;
  }

  /** A finished request used this many connections (undefined: 1, redirects not followed). */
  private countConnections(n = 1): void {
    this.connectionCounts[n] = (this.connectionCounts[n] ?? 0) + 1;
  }

  private bucket(tMs: number): Bucket {
    const i = tMs <= 0 ? 0 : Math.floor(tMs / TIMELINE_STEP_MS);
    while (this.timeline.length <= i) this.timeline.push({ ok: 0, errors: 0, servers: new Map() });
    return this.timeline[i]!;
  }

  snapshot(durationMs: number, wallMs: number, startEpochMs: number, conns: ConnectionsPart = NO_CONNECTIONS): StatsSnapshot {
    const clients: Record<string, Record<string, number>> = {};
    this.perClient.forEach((m, i) => {
      if (m !== undefined) clients[this.addresses[i]!] = Object.fromEntries(m);
    });
    const clientErrors: Record<string, number> = {};
    this.perClientErrors.forEach((n, i) => {
      if (n > 0) clientErrors[this.addresses[i]!] = n;
    });
    return {
      clientErrors,
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      errorsByKind: Object.fromEntries(this.errorsByKind),
      otherCodes: Object.fromEntries(this.otherCodes),
      histogram: encodeIntoCompressedBase64(this.histogram),
      clients,
      timeline: this.timeline.map((b, i) => ({ t_ms: i * TIMELINE_STEP_MS, ok: b.ok, errors: b.errors, servers: Object.fromEntries(b.servers) })),
      durationMs,
      wallMs,
      startEpochMs,
      ...(this.records ? { records: this.records.map(([c, ...rest]): RequestRecord => [this.addresses[c]!, ...rest]) } : {}),
      connectionsPerRequest: { ...this.connectionCounts },
      connections: { ...conns.summary },
      ...(conns.records ? { connectionRecords: conns.records } : {}),
    };
  }
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** A record with the number of connections the request used, when redirects are followed. */
function withConnections(r: [number, number, number, string], connections: number | undefined): [number, number, number, string, number?] {
  return connections === undefined ? r : [...r, connections];
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** Sums snapshots of several workers (histograms added, timelines aligned on t_ms). */
export function mergeSnapshots(snaps: readonly StatsSnapshot[]): StatsSnapshot {
  const total = newHistogram();
  const out: StatsSnapshot = {
    sent: 0,
    ok: 0,
    errors: 0,
    errorsByKind: {},
    otherCodes: {},
    histogram: '',
    clients: {},
    clientErrors: {},
    timeline: [],
    durationMs: 0,
    wallMs: 0,
    startEpochMs: Infinity,
    connections: mergeConnectionSummaries(snaps.map((s) => s.connections ?? NO_CONNECTIONS.summary)),
    connectionsPerRequest: mergeConnectionCounts(snaps.map((s) => s.connectionsPerRequest)),
  };
  const timeline = new Map<number, TimelinePoint>();
  for (const s of snaps) {
    out.sent += s.sent;
    out.ok += s.ok;
    out.errors += s.errors;
    addCounts(out.errorsByKind, s.errorsByKind);
    addCounts(out.otherCodes, s.otherCodes);
    const h = decodeFromCompressedBase64(s.histogram);
    total.add(h);
    for (const [addr, servers] of Object.entries(s.clients)) addCounts((out.clients[addr] ??= {}), servers);
    addCounts(out.clientErrors, s.clientErrors ?? {});
    for (const p of s.timeline) {
      const q = timeline.get(p.t_ms) ?? { t_ms: p.t_ms, ok: 0, errors: 0, servers: {} };
      q.ok += p.ok;
      q.errors += p.errors;
      addCounts(q.servers, p.servers);
      timeline.set(p.t_ms, q);
    }
    out.durationMs = Math.max(out.durationMs, s.durationMs);
    out.wallMs = Math.max(out.wallMs, s.wallMs);
    out.startEpochMs = Math.min(out.startEpochMs, s.startEpochMs);
    // workers start together (a shared start time): their relative times share one origin
    if (s.records) (out.records ??= []).push(...s.records);
    if (s.connectionRecords) (out.connectionRecords ??= []).push(...s.connectionRecords);
  }
  out.connectionRecords?.sort((a, b) => a.opened_ms - b.opened_ms);
  if (!Number.isFinite(out.startEpochMs)) out.startEpochMs = 0;
  out.records?.sort((a, b) => a[1] - b[1]);
  const last = Math.max(-1, ...timeline.keys());
  for (let t = 0; t <= last; t += TIMELINE_STEP_MS) out.timeline.push(timeline.get(t) ?? { t_ms: t, ok: 0, errors: 0, servers: {} });
  out.histogram = encodeIntoCompressedBase64(total);
  return out;
}

export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

export interface StatsSummary {
  requests: { sent: number; ok: number; errors: number };
  errors_by_kind: Record<string, number>;
  errors_other_codes: Record<string, number>;
  throughput_rps: number;
  duration_s: number;
  wall_s: number;
  /** over 2xx answers; null when there were none */
  latency_ms: LatencySummary;
  /** per server: 2xx answers and distinct client addresses answered */
  servers: Record<string, { requests: number; clients: number }>;
  clients: Record<string, Record<string, number>>;
  /** per client address: requests that ended in an error (addresses without errors left out) */
  client_errors: Record<string, number>;
  timeline: TimelinePoint[];
  /** Date.now() when sending started: record times are relative to it */
  start_epoch_ms: number;
  /** every finished request (with --records) */
  records?: RequestRecord[];
  /** connection counters: opened = completed + broken; switched_server = connections answered by more than one server */
  connections: ConnectionSummary;
  /** every connection (keepalive mode, or with --records), in opening order */
  connection_records?: ConnectionRecord[];
  /** mean connections per finished request: 1, or 2 when every request was redirected once (null: none finished) */
  connections_per_request: number | null;
  /** finished requests by the connections each used */
  connections_per_request_counts: ConnectionsPerRequestCounts;
}

const ms3 = (us: number): number => Math.round(us) / 1000;

export function latencyOf(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: null, p90: null, p99: null, p999: null, max: null, mean: null };
  return {
    p50: ms3(h.getValueAtPercentile(50)),
    p90: ms3(h.getValueAtPercentile(90)),
    p99: ms3(h.getValueAtPercentile(99)),
    p999: ms3(h.getValueAtPercentile(99.9)),
    max: ms3(h.maxValue),
    mean: ms3(h.mean),
  };
}

/** The result's counters part from a (merged) snapshot. */
export function summarize(s: StatsSnapshot): StatsSummary {
  const servers: Record<string, { requests: number; clients: number }> = {};
  for (const answers of Object.values(s.clients)) {
    for (const [name, n] of Object.entries(answers)) {
      const e = (servers[name] ??= { requests: 0, clients: 0 });
      e.requests += n;
      e.clients++;
    }
  }
  const errorsByKind: Record<string, number> = {};
  for (const k of ERROR_KINDS) errorsByKind[k] = 0;
  addCounts(errorsByKind, s.errorsByKind);
  const durationS = s.durationMs / 1000;
  return {
    requests: { sent: s.sent, ok: s.ok, errors: s.errors },
    errors_by_kind: errorsByKind,
    errors_other_codes: s.otherCodes,
    throughput_rps: durationS > 0 ? Math.round((s.ok / durationS) * 10) / 10 : 0,
    duration_s: Math.round(durationS * 1000) / 1000,
    wall_s: Math.round(s.wallMs) / 1000,
    latency_ms: latencyOf(decodeFromCompressedBase64(s.histogram)),
    servers,
    clients: s.clients,
    client_errors: s.clientErrors,
    timeline: s.timeline,
    start_epoch_ms: s.startEpochMs,
    ...(s.records ? { records: s.records } : {}),
    connections: s.connections ?? { ...NO_CONNECTIONS.summary },
    ...(s.connectionRecords ? { connection_records: s.connectionRecords } : {}),
    connections_per_request: connectionsPerRequest(s.connectionsPerRequest ?? {}),
    connections_per_request_counts: s.connectionsPerRequest ?? {},
  };
}
