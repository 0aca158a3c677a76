// The bench's view of a scheme whose clients are not placed by a function of their address (DNS rotation): even shares of the alive servers, and answers from servers out of the function.
import type { DispatchState } from '../dispatch/types.js';
import type { LoadResult } from '../load/run-load.js';
import { jainIndex, type BenchMetrics } from './bench-metrics.js';

/**
 * No model names a client's server, so none is a mismatch for being elsewhere; the model's share is even over the
 * alive servers (over many resolutions). A `mismatch` here is an answer from a server out of the function: a
 * resolver (or a client) still handing out a withdrawn address. Errors have no home server: errors_by_home is empty.
 */
export function rotationMetrics(result: LoadResult, state: DispatchState, names: string[]): BenchMetrics {
  const alive = new Set(state.alive.map((k) => names[k]!));
  const servers: BenchMetrics['servers'] = {};
  for (const name of alive) servers[name] = { requests: 0, clients: 0, predicted_share: 1 / alive.size };
  for (const [name, s] of Object.entries(result.servers)) servers[name] = { ...s, predicted_share: alive.has(name) ? 1 / alive.size : 0 };
  const mismatches = Object.entries(result.servers).reduce((a, [name, s]) => a + (alive.has(name) ? 0 : s.requests), 0);
  return { mismatches, servers, fairness: jainIndex([...alive].map((n) => servers[n]!.requests)), errors_by_home: {} };
}
