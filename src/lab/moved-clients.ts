// How many client addresses of a lab's population a change of the dispatch function sends to another server.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import type { DispatchState } from '../dispatch/types.js';
import { parseCidr } from '../net/ipv4.js';
import type { Topology } from '../topology/types.js';

/** How many addresses of the client population the change moves to another server. */
export function movedClients(t: Topology, from: DispatchState, to: DispatchState): number {
  const fn = dispatchFunctionOf(t);
  const p = parseCidr(t.clientPopulation);
  const size = 2 ** (32 - p.prefixLength);
  let moved = 0;
  for (let i = 0; i < size; i++) {
    const ca = (p.base + i) >>> 0;
    if (fn.predict(ca, from) !== fn.predict(ca, to)) moved++;
  }
  return moved;
}

