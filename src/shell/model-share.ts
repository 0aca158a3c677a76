// The dispatch model's share of each server for a bench's client set, pure: every client address weighs what the generator's picker gives it.
import type { DispatchFunction, DispatchState } from '../dispatch/types.js';
import type { ClientSet } from '../load/client-set.js';
import { ipToInt } from '../net/ipv4.js';

export function modelShares(fn: DispatchFunction, state: DispatchState, clients: ClientSet, names: readonly string[]): Record<string, number> {
  const shares: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const weights = clients.weights ?? clients.addresses.map(() => 1);
  const total = weights.reduce((a, b) => a + b, 0);
  clients.addresses.forEach((a, i) => (shares[names[fn.predict(ipToInt(a), state)]!]! += weights[i]!));
  for (const n of names) shares[n]! /= total;
  return shares;
}

/** A rotation's model (DNS round robin): each alive server an even share, whatever the client addresses. */
export function evenShares(state: DispatchState, names: readonly string[]): Record<string, number> {
  const shares: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const k of state.alive) shares[names[k]!] = 1 / state.alive.length;
  return shares;
}
