// Bucket-table dispatch: nftables `jhash ip saddr mod M seed S` picks a bucket, a weighted table maps buckets to servers; its nft rules.
import { jhashIpv4, reciprocalScale } from './jhash.js';
import { checkAlive, clientAddress } from './modulo.js';
import { tableFilterRuleset, tableMarkRuleset, tableSecondChanceRuleset } from './rules/nft-table.js';
import { DispatchError, type DispatchFunction, type DispatchState } from './types.js';

export const DEFAULT_BUCKETS = 256;
/** Owner tables a table function keeps (a transition holds up to MAX_GENERATIONS states, a scenario a few more). */
const OWNER_CACHE_SIZE = 16;
/** The kernel draws a random seed when a rule names none, so rules must always state this one. */
export const DEFAULT_SEED = 0;
/** The seed every generated nft rule states (same as DEFAULT_SEED). */
export const JHASH_SEED = DEFAULT_SEED;

/** The bucket of client address `ca`, exactly as the kernel's nft_jhash_eval computes it (offset 0). */
export function bucketOf(ca: number, buckets: number = DEFAULT_BUCKETS, seed: number = DEFAULT_SEED): number {
  clientAddress(ca);
  checkBuckets(buckets);
  return reciprocalScale(jhashIpv4(ca, seed >>> 0), buckets);
}

/** The nft expression the kernel must evaluate for bucketOf to hold, e.g. "jhash ip saddr mod 256 seed 0x0". */
export function nftJhashExpression(buckets: number = DEFAULT_BUCKETS, seed: number = DEFAULT_SEED): string {
  checkBuckets(buckets);
  return `jhash ip saddr mod ${buckets} seed 0x${(seed >>> 0).toString(16)}`;
}

function checkBuckets(buckets: number): void {
  // nft_jhash_init rejects a modulus <= 1 (ERANGE); it is a u32.
  if (!Number.isInteger(buckets) || buckets < 2 || buckets > 0xffffffff) {
    throw new DispatchError(`the number of buckets must be an integer in 2..4294967295, got ${buckets}`);
  }
}

function checkWeights(state: DispatchState): void {
  const { servers: n, weights } = state;
  if (weights.length !== n) throw new DispatchError(`weights has ${weights.length} entries for ${n} servers`);
  weights.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new DispatchError(`weight of S${i} must be a finite number >= 0, got ${w}`);
  });
  if (!weights.some((w) => w > 0)) throw new DispatchError('every server has weight 0');
}

/**
 * Largest-remainder (Hamilton) apportionment of `total` items by `weights`: each count is the floor or
 * the ceiling of its exact quota. Ties in remainder go to the lower `tieKey`, then the lower index.
 */
export function apportion(total: number, weights: number[], tieKey: (i: number) => number = () => 0): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (!(sum > 0)) throw new DispatchError('cannot apportion over weights that sum to 0');
  const counts = weights.map((w) => Math.floor((total * w) / sum));
  const rem = weights.map((w, i) => total * w - counts[i]! * sum);
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = weights
    .map((_, i) => i)
    .filter((i) => weights[i]! > 0)
    .sort((i, j) => rem[j]! - rem[i]! || tieKey(i) - tieKey(j) || i - j);
  for (const i of order) {
    if (left <= 0) break;
    counts[i]!++;
    left--;
  }
  return counts;
}

/**
 * A sequence of sum(counts) indexes holding index i exactly counts[i] times, spread evenly
 * (smooth weighted round robin: each step every index gains its count, the leader is picked and pays the total).
 */
export function interleave(counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  const current = counts.map(() => 0);
  const out: number[] = [];
  for (let step = 0; step < total; step++) {
    let best = -1;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]! === 0) continue;
      current[i]! += counts[i]!;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out.push(best);
  }
  return out;
}

/** How many buckets each of n servers owns. */
function countOwners(owners: readonly number[], n: number): number[] {
  const counts = Array.from({ length: n }, () => 0);
  for (const o of owners) counts[o]!++;
  return counts;
}

/** `take` of the sorted `items`, spread evenly over them. */
function spreadPick(items: number[], take: number): number[] {
  return Array.from({ length: take }, (_, j) => items[Math.floor(((j + 0.5) * items.length) / take)]!);
}

/** How many buckets each earlier server gives to server i when it joins: in proportion to what it holds above its new share. */
function givers(counts: number[], weights: number[], buckets: number, share: number): number[] {
  // weights: servers 0..i, the joining one last; counts: servers 0..i-1
  const total = weights.reduce((s, w) => s + w, 0);
  const surplus = counts.map((c, s) => Math.max(0, c * total - buckets * weights[s]!));
  const give = apportion(share, surplus).map((g, s) => Math.min(g, counts[s]!));
  let left = share - give.reduce((a, g) => a + g, 0);
  for (let s = 0; left > 0 && s < counts.length; s++) {
    const more = Math.min(left, counts[s]! - give[s]!);
    give[s]! += more;
    left -= more;
  }
  return give;
}

/**
 * The table with every server alive, built by adding servers one at a time: server i takes its share of the
 * buckets (its largest-remainder quota among servers 0..i) from the servers before it, each giving in
 * proportion to what it holds above its new share, picked evenly over its buckets. Growing n to n + 1 so
 * moves buckets only to the new server (at most ceil(M/(n+1)) with equal weights); shrinking moves them back.
 */
export function baseOwners(buckets: number, weights: number[]): number[] {
  const first = weights.findIndex((w) => w > 0);
  if (first < 0) throw new DispatchError('every server has weight 0');
  const owners = Array.from({ length: buckets }, () => first);
  for (let i = first + 1; i < weights.length; i++) {
    if (!(weights[i]! > 0)) continue;
    const upTo = weights.slice(0, i + 1);
    const share = apportion(buckets, upTo)[i]!;
    if (share === 0) continue;
    const give = givers(countOwners(owners, i), upTo, buckets, share);
    give.forEach((g, s) => {
      if (g === 0) return;
      const mine = owners.flatMap((o, b) => (o === s ? [b] : []));
      for (const b of spreadPick(mine, g)) owners[b] = i;
    });
  }
  return owners;
}

/**
 * Owner server index of each of `buckets` buckets. The base table (all servers alive, baseOwners) gives each
 * server a count proportional to its weight, and a new server takes buckets only from the others. Buckets of alive servers never move; the
 * buckets of dead servers are apportioned over the alive servers by weight (ties to the server with
 * the fewest base buckets per weight, then the lowest index) and handed out interleaved in bucket order.
 */
export function bucketOwners(state: DispatchState, buckets: number = DEFAULT_BUCKETS): number[] {
  checkBuckets(buckets);
  checkAlive(state);
  checkWeights(state);
  const n = state.servers;
  const owners = baseOwners(buckets, state.weights);
  const baseCounts = countOwners(owners, n);
  const alive = new Set(state.alive);
  const orphans: number[] = [];
  owners.forEach((s, b) => {
    if (!alive.has(s)) orphans.push(b);
  });
  if (orphans.length === 0) return owners;
  const aliveWeights = Array.from({ length: n }, (_, i) => (alive.has(i) ? state.weights[i]! : 0));
  if (!aliveWeights.some((w) => w > 0)) {
    throw new DispatchError(`every alive server (${state.alive.map((s) => `S${s}`).join(', ')}) has weight 0: nothing can serve a client`);
  }
  const movedCounts = apportion(orphans.length, aliveWeights, (i) => baseCounts[i]! / aliveWeights[i]!);
  const takers = interleave(movedCounts);
  orphans.forEach((b, i) => {
    owners[b] = takers[i]!;
  });
  return owners;
}

export interface TableFunction extends DispatchFunction {
  readonly name: 'table';
  readonly buckets: number;
  readonly seed: number;
}

/** A bucket-table dispatch function for a given table size and seed; remembers the last table built. */
export function createTableFunction(buckets: number = DEFAULT_BUCKETS, seed: number = DEFAULT_SEED): TableFunction {
  checkBuckets(buckets);
  // the owner tables of the last few states: a transition compares several (the functions before and after a change)
  const cache = new Map<string, number[]>();
  /** The owner table of a state, built once per state (every server's filter and every prediction read it). */
  const ownersOf = (state: DispatchState): number[] => {
    const key = `${state.servers}|${state.alive.join(',')}|${state.weights.join(',')}`;
    let owners = cache.get(key);
    if (!owners) {
      owners = bucketOwners(state, buckets);
      if (cache.size >= OWNER_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(key, owners);
    }
    return owners;
  };
  return {
    name: 'table',
    label: `table (${buckets} buckets)`,
    buckets,
    seed,
    predict: (ca, state) => ownersOf(state)[bucketOf(ca, buckets, seed)]!,
    describe(state, k) {
      if (!state.alive.includes(k)) return 'failed: serves no client';
      const mine = ownersOf(state).filter((o) => o === k).length;
      return `${mine} of ${buckets} buckets of ${nftJhashExpression(buckets, seed)}`;
    },
    markRules: (ghost, state, names) => ({
      kind: 'load',
      command: 'nft -f -',
      text: tableMarkRuleset(ghost, ownersOf(state), state.alive, seed, names),
      comment: `dispatch: mark = 1 + owner of bucket jhash(CA) mod ${buckets}`,
    }),
    filterRules: (ghost, state, k, name, options) => ({
      kind: 'load',
      command: 'nft -f -',
      text: tableFilterRuleset(ghost, ownersOf(state), seed, k, name, options?.passMidstream),
      comment: `local filter (paper 5): accept only buckets owned by ${name}${options?.passMidstream ? ', and TCP other than a SYN (transition)' : ''}, at netdev ingress (before the IP stack and conntrack)`,
    }),
    secondChanceRules: (ghost, generations, k, reachable) => ({
      kind: 'load',
      command: 'nft -f -',
      text: tableSecondChanceRuleset(ghost, generations.map(ownersOf), k, reachable, seed),
      comment: generations.length > 1 ? 'transition: mark untracked TCP with the owner of its bucket under the tables before the change' : 'transition: none in force (table empty)',
    }),

  };
}

/** The default bucket table: 256 buckets, seed 0. */
export const table = createTableFunction();
