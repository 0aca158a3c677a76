// Client source addresses: drawn from a population CIDR or read from a file, with a uniform or Zipf request skew.
import { readFileSync } from 'node:fs';
import { cidrSize, intToIp, isIpv4, parseCidr } from '../net/ipv4.js';
import { LoadUsageError } from './errors.js';
import { seededRandom } from './rng.js';

export type Skew = { kind: 'uniform' } | { kind: 'zipf'; s: number };

/** The addresses in rank order and their relative request weights (null = uniform). */
export interface ClientSet {
  addresses: string[];
  weights: number[] | null;
}

/** "uniform" or "zipf:S" with S > 0 (S = 0 means uniform). */
export function parseSkew(text: string): Skew {
  if (text === 'uniform') return { kind: 'uniform' };
  const m = /^zipf:(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) throw new RangeError(`expected "uniform" or "zipf:S" (S a number >= 0), got "${text}"`);
  const s = Number(m[1]);
  return s === 0 ? { kind: 'uniform' } : { kind: 'zipf', s };
}

/** Relative weight of each rank: 1/rank^s for Zipf, null for uniform. */
export function skewWeights(count: number, skew: Skew): number[] | null {
  if (skew.kind === 'uniform') return null;
  return Array.from({ length: count }, (_, i) => 1 / Math.pow(i + 1, skew.s));
}

/**
 * `count` distinct host addresses of `cidr` (network and broadcast excluded for prefixes up to /30),
 * spread at random over the prefix and in random rank order; the same seed gives the same set.
 */
export function drawFromPopulation(cidr: string, count: number, seed = 1): string[] {
  const c = parseCidr(cidr);
  const size = cidrSize(c);
  const skipEnds = c.prefixLength <= 30;
  const usable = skipEnds ? size - 2 : size;
  const first = skipEnds ? c.base + 1 : c.base;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`client count must be a positive integer, got ${count}`);
  if (count > usable) throw new RangeError(`${cidr} has only ${usable} usable addresses, ${count} asked`);
  const rand = seededRandom(seed);
  // Floyd's sampling: k distinct offsets out of n in O(k)
  const picked = new Set<number>();
  for (let j = usable - count; j < usable; j++) {
    const t = Math.floor(rand() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  const offsets = [...picked];
  for (let i = offsets.length - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [offsets[i], offsets[k]] = [offsets[k]!, offsets[i]!];
  }
  return offsets.map((o) => intToIp((first + o) >>> 0));
}

/** Addresses one per line; blank lines and `#` comments skipped; errors name file:line. */
export function parseClientsText(text: string, file: string): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    if (!isIpv4(line)) throw new LoadUsageError('--clients-from', `${where}: not an IPv4 address: "${line}"`);
    const dup = seen.get(line);
    if (dup !== undefined) throw new LoadUsageError('--clients-from', `${where}: duplicate address ${line} (first on line ${dup})`);
    seen.set(line, i + 1);
    out.push(line);
  }
  if (out.length === 0) throw new LoadUsageError('--clients-from', `${file}: no addresses in the file`);
  return out;
}

export function readClientsFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new LoadUsageError('--clients-from', `cannot read ${file}: ${err.code ?? err.message}`);
  }
  return parseClientsText(text, file);
}

/**
 * Returns a function that picks the next client index: uniform cycles through all addresses (every one is
 * used once per `count` requests); weighted draws at random (binary search on the cumulative weights).
 */
export function makePicker(weights: number[] | null, count: number, rand: () => number): () => number {
  if (weights === null || count <= 1) {
    let next = Math.floor(rand() * count);
    return () => {
      const i = next;
      next = next + 1 === count ? 0 : next + 1;
      return i;
    };
  }
  const cum = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) cum[i] = total += weights[i]!;
  return () => {
    const x = rand() * total;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}
