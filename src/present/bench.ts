// How a bench result reads on a terminal: the headline, latency, errors, and the per-server table beside the model.
import type { BenchResult } from '../report/bench-result.js';
import { table } from './output.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function printBench(r: BenchResult): void {
  const loop = r.loop.kind === 'open' ? `rate ${r.loop.rate}/s` : `concurrency ${r.loop.concurrency}`;
  console.log(`${r.lab}: ${r.scheme} scheme, ${r.function} function, ${r.backend}; ${r.mode} mode, ${loop}, ${r.clients_count} client addresses, ${r.duration_s.toFixed(1)} s`);
  const l = r.latency_ms;
  console.log(`requests: ${r.requests.sent} sent, ${r.requests.ok} ok, ${r.requests.errors} errors; ${r.throughput_rps.toFixed(0)} req/s; mismatches ${r.mismatches}; fairness ${r.fairness.toFixed(3)}`);
  console.log(`latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  p99.9 ${l.p999}  max ${l.max}`);
  const c = r.connections;
  if (c) console.log(`connections: ${c.opened} opened, ${c.completed} completed, ${c.broken} broken, ${c.switched_server} answered by more than one server${r.connections_per_request !== undefined && r.connections_per_request !== null ? `; ${r.connections_per_request} per request` : ''}`);
  if (r.dns) console.log(`dns: ${r.dns.name} via ${r.dns.resolver}: ${r.dns.queries} queries, ${r.dns_queries_per_request} per request, ${r.dns.failed} failed (each client caches the answer for its TTL and uses the first address)`);
  const errors = Object.entries(r.errors_by_kind).filter(([, n]) => n > 0);
  if (errors.length) console.log(`errors: ${errors.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const total = Object.values(r.servers).reduce((a, s) => a + s.requests, 0) || 1;
  const rows = Object.entries(r.servers).map(([name, s]) => {
    const home = r.errors_by_home[name];
    return [name, s.requests, pct(s.requests / total), pct(s.predicted_share), s.clients, home ? home.errors : 0];
  });
  console.log(table(['server', 'requests', 'share', 'model share', 'clients', 'errors of its clients'], rows));
}
