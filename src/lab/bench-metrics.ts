// Turns a load result into the lab's view of it: each client's home server by the model, mismatches, shares, fairness.
import type { DispatchFunction, DispatchState } from '../dispatch/types.js';
import type { ClientSet } from '../load/client-set.js';
import type { LoadResult } from '../load/run-load.js';
import { ipToInt } from '../net/ipv4.js';

export interface BenchMetrics {
  mismatches: number;
  servers: Record<string, { requests: number; clients: number; predicted_share: number }>;
  fairness: number;
  errors_by_home: Record<string, { ok: number; errors: number }>;
}

/** Jain's fairness index: (sum x)^2 / (n * sum x^2); 1 when all equal. */
export function jainIndex(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares);
}

export function benchMetrics(result: LoadResult, clients: ClientSet, fn: DispatchFunction, state: DispatchState, names: string[]): BenchMetrics {
  const home = (address: string): string => names[fn.predict(ipToInt(address), state)]!;
  const servers: BenchMetrics['servers'] = {};
  for (const k of state.alive) servers[names[k]!] = { requests: 0, clients: 0, predicted_share: 0 };
  for (const [name, s] of Object.entries(result.servers)) servers[name] = { ...s, predicted_share: 0 };
  // the model's share of requests: each address weighs what the generator's picker gives it
  const weights = clients.weights ?? clients.addresses.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  clients.addresses.forEach((a, i) => (servers[home(a)]!.predicted_share += weights[i]! / total));
  let mismatches = 0;
  const errorsByHome: BenchMetrics['errors_by_home'] = {};
  for (const k of state.alive) errorsByHome[names[k]!] = { ok: 0, errors: 0 };
  for (const a of clients.addresses) {
    const h = home(a);
    for (const [server, n] of Object.entries(result.clients[a] ?? {})) {
      errorsByHome[h]!.ok += n;
      if (server !== h) mismatches += n;
    }
    errorsByHome[h]!.errors += result.client_errors[a] ?? 0;
  }
  const requests = state.alive.map((k) => servers[names[k]!]!.requests);
  return { mismatches, servers, fairness: jainIndex(requests), errors_by_home: errorsByHome };
}
