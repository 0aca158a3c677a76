// How a client population maps onto the servers, per server, for `./lab dispatch show`.
import { DispatchError, type DispatchFunction, type DispatchState } from './types.js';

/** Populations up to this size are counted address by address. */
export const EXACT_LIMIT = 2 ** 17;
const DEFAULT_SAMPLE = 65536;

export interface ServerSummary {
  server: number;
  alive: boolean;
  /** addresses of the population it serves (an estimate when the summary is not exact) */
  addresses: number;
  /** fraction of the population, 0..1 */
  share: number;
  /** which clients it takes, in words */
  rule: string;
}

export interface DispatchSummary {
  function: DispatchFunction['name'];
  population: { base: number; size: number };
  exact: boolean;
  /** how many addresses were actually evaluated */
  evaluated: number;
  servers: ServerSummary[];
  /** the same as a plain-text table (formatSummary) */
  text: string;
}

/** Deterministic xorshift32 so sampled summaries are reproducible. */
function sampler(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function ruleOf(fn: DispatchFunction, state: DispatchState, k: number): string {
  return state.alive.includes(k) ? fn.describe(state, k) : 'failed: serves no client';
}

/**
 * Counts, per server, the addresses of `population` that `fn` sends it: every address when the
 * population has at most 2^17, else `sample` pseudo-random addresses scaled up (exact: false).
 */
export function summarizeRanges(
  fn: DispatchFunction,
  state: DispatchState,
  population: { base: number; size: number },
  sample: number = DEFAULT_SAMPLE,
): DispatchSummary {
  const { base, size } = population;
  if (!Number.isInteger(base) || base < 0 || !Number.isInteger(size) || size < 1 || base + size > 2 ** 32) {
    throw new DispatchError(`population must be whole addresses within 0.0.0.0-255.255.255.255, got base ${base} size ${size}`);
  }
  const counts = new Array<number>(state.servers).fill(0);
  const exact = size <= EXACT_LIMIT;
  let evaluated: number;
  if (exact) {
    for (let i = 0; i < size; i++) counts[fn.predict(base + i, state)]!++;
    evaluated = size;
  } else {
    if (!Number.isInteger(sample) || sample < 1) throw new DispatchError(`sample must be a positive integer, got ${sample}`);
    const next = sampler(base ^ size);
    for (let i = 0; i < sample; i++) counts[fn.predict(base + (next() % size), state)]!++;
    evaluated = sample;
  }
  const scale = size / evaluated;
  const summary: Omit<DispatchSummary, 'text'> = {
    function: fn.name,
    population: { base, size },
    exact,
    evaluated,
    servers: counts.map((c, server) => ({
      server,
      alive: state.alive.includes(server),
      addresses: exact ? c : Math.round(c * scale),
      share: c / evaluated,
      rule: ruleOf(fn, state, server),
    })),
  };
  return { ...summary, text: formatSummary(summary) };
}

/** A plain-text table of a summary. */
export function formatSummary(s: Omit<DispatchSummary, 'text'>): string {
  const head = ['server', 'state', s.exact ? 'addresses' : 'addresses (est.)', 'share', 'takes clients where'];
  const rows = s.servers.map((r) => [`S${r.server}`, r.alive ? 'alive' : 'failed', String(r.addresses), `${(r.share * 100).toFixed(1)}%`, r.rule]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
