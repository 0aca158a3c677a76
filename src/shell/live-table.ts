// The live bench table of the shell, pure: two progress samples and the model's shares -> per-server rows and the lines to draw.
import type { BenchProgress } from '../lab/bench.js';
import { table } from '../present/output.js';

export interface LiveRow {
  server: string;
  /** ok answers per second since the previous sample */
  rps: number;
  /** ok answers so far */
  ok: number;
  /** this server's part of all ok answers so far */
  share: number;
  /** the dispatch model's share for the client set and the alive set now (undefined: not known yet) */
  model: number | undefined;
}

/** ok answers per second of one server between two samples; from the start when there is no usable previous sample. */
export function serverRate(prev: BenchProgress | undefined, cur: BenchProgress, server: string): number {
  const now = cur.servers[server] ?? 0;
  const usable = prev !== undefined && cur.elapsed_ms > prev.elapsed_ms;
  const before = usable ? (prev.servers[server] ?? 0) : 0;
  const ms = usable ? cur.elapsed_ms - prev.elapsed_ms : cur.elapsed_ms;
  return ms > 0 ? (Math.max(0, now - before) * 1000) / ms : 0;
}

export function liveRows(prev: BenchProgress | undefined, cur: BenchProgress, servers: readonly string[], model: Record<string, number> | undefined): LiveRow[] {
  const total = servers.reduce((a, s) => a + (cur.servers[s] ?? 0), 0);
  return servers.map((server) => ({
    server,
    rps: serverRate(prev, cur, server),
    ok: cur.servers[server] ?? 0,
    share: total > 0 ? (cur.servers[server] ?? 0) / total : 0,
    model: model === undefined ? undefined : (model[server] ?? 0),
  }));
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** `t=12s sent N ok N errors N`, and the overall rate. */
export function liveHeadline(p: BenchProgress): string {
  return `t=${Math.floor(p.elapsed_ms / 1000)}s sent ${p.sent} ok ${p.ok} errors ${p.errors}  (${p.rps.toFixed(0)} req/s; \`bench stop\` ends it)`;
}

/** The block the shell draws above its prompt. */
export function liveLines(prev: BenchProgress | undefined, cur: BenchProgress, servers: readonly string[], model: Record<string, number> | undefined): string[] {
  const rows = liveRows(prev, cur, servers, model).map((r) => [r.server, r.rps.toFixed(0), r.ok, pct(r.share), r.model === undefined ? '-' : pct(r.model)]);
  return [liveHeadline(cur), ...table(['server', 'req/s', 'total ok', 'share', 'model share'], rows).split('\n')];
}
