// The dispatch model of a running lab as a program sees it: function, alive set, and the server the model gives any client address.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import type { DispatchState } from '../dispatch/types.js';
import type { LabState } from '../lab/state.js';
import { cidrSize, intToIp, ipToInt, isIpv4, parseCidr } from '../net/ipv4.js';
import { clusterState } from '../lab/state.js';
import { dispatchStateOf } from '../schemes/cluster-state.js';
import { UsageError } from '../util/errors.js';

export interface DispatchView {
  /** a scheme of the registry: routing, broadcast */
  scheme: string;
  /** modulo (the paper's CA mod n) or table */
  function: string;
  /** every server, S0..S(n-1) */
  servers: string[];
  /** the servers the function sends clients to now */
  alive: string[];
  ghost: string;
  /** the client population, e.g. 198.18.128.0/17 */
  population: string;
  /** the model's state (n, alive indexes, weights) */
  state: DispatchState;
  /** the server the model gives a client address in the state now */
  predict(client: string): string;
  /** the server the model gives a client address were only `alive` in the function */
  predictWith(client: string, alive: string[]): string;
  /** `count` distinct client addresses spread evenly over the whole population */
  clients(count: number): string[];
}

function address(text: string): number {
  if (!isIpv4(text)) throw new UsageError(`not an IPv4 address: "${text}"`);
  return ipToInt(text);
}

/** The view of the lab's dispatch as its state says now. */
export function dispatchView(state: LabState): DispatchView {
  const t = state.topology;
  const fn = dispatchFunctionOf(t);
  const names = t.servers.map((s) => s.name);
  const now = dispatchStateOf(t, clusterState(state));
  const stateFor = (alive: string[]): DispatchState => {
    const unknown = alive.filter((n) => !names.includes(n));
    if (unknown.length > 0) throw new UsageError(`not servers of lab "${state.name}": ${unknown.join(', ')} (servers: ${names.join(', ')})`);
    return { ...now, alive: names.map((_, i) => i).filter((i) => alive.includes(names[i]!)) };
  };
  const pop = parseCidr(t.clientPopulation);
  return {
    scheme: t.scheme,
    function: t.dispatch.function,
    servers: names,
    alive: now.alive.map((k) => names[k]!),
    ghost: t.ghost,
    population: t.clientPopulation,
    state: now,
    predict: (client) => names[fn.predict(address(client), now)]!,
    predictWith: (client, alive) => names[fn.predict(address(client), stateFor(alive))]!,
    clients: (count) => {
      const room = cidrSize(pop) - 2;
      if (!Number.isInteger(count) || count < 1 || count > room) throw new UsageError(`clients: expected a whole number from 1 to ${room}, got ${count}`);
      const step = Math.floor(room / count);
      return Array.from({ length: count }, (_, i) => intToIp(pop.base + 1 + i * step + ((i * 7919) % step)));
    },
  };
}
