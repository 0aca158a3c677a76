// The result of `lab bench --json`: run settings, request counts, latency, per-server distribution, a 100 ms timeline, connections.
import type { ConnectionRecord, ConnectionSummary } from '../load/connections.js';
import type { DnsSummary } from '../load/name-resolver.js';

export type { ConnectionRecord, ConnectionSummary };

export type BenchLoop = { kind: 'open'; rate: number } | { kind: 'closed'; concurrency: number };

export interface BenchServer {
  requests: number;
  clients: number;
  /** The model's share of requests for this client set, 0..1. */
  predicted_share: number;
}

export interface BenchTimelinePoint {
  t_ms: number;
  ok: number;
  errors: number;
  servers: Record<string, number>;
}

export interface BenchResult {
  lab: string;
  /** a scheme of the registry */
  scheme: string;
  function: 'modulo' | 'table';
  backend: string;
  target: string;
  mode: 'close' | 'keepalive';
  loop: BenchLoop;
  duration_s: number;
  clients_count: number;
  requests: { sent: number; ok: number; errors: number };
  errors_by_kind: Record<string, number>;
  mismatches: number;
  throughput_rps: number;
  latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number };
  servers: Record<string, BenchServer>;
  /** Jain's index over servers' requests. */
  fairness: number;
  errors_by_home: Record<string, { ok: number; errors: number }>;
  timeline: BenchTimelinePoint[];
  /** Date.now() when the generator started sending */
  start_epoch_ms: number;
  /** every finished request, when asked for: [client, start ms, end ms (from start_epoch_ms), server or !error kind]; `lab bench` follows redirects, so a fifth element says how many connections the request used (1 or 2) */
  records?: [string, number, number, string][];
  // the connection fields are always set by runBench; optional only so results saved before them still read
  /** responses after which the generator closes a connection: 1 in close mode, null when keep-alive connections last the run */
  requests_per_connection?: number | null;
  /** opened = completed + broken; switched_server = connections answered by more than one server */
  connections?: ConnectionSummary;
  /** every connection (keepalive mode always, close mode with records), in opening order */
  connection_records?: ConnectionRecord[];
  /** DNS queries the clients made per request (null or absent: the generator resolved no name per client) */
  dns_queries_per_request?: number | null;
  /** the clients' own resolution of the target's name (the dns scheme) */
  dns?: DnsSummary;
  /** mean connections per finished request: 1, or 2 where each was redirected once (the redirect scheme) */
  connections_per_request?: number | null;
}
