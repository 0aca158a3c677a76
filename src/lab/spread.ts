// Spreads connections of single-address tools (wrk, ab, curl) run in the client over population addresses: nft SNAT to a random one per connection.
import type { PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import { cidrSize, intToIp, parseCidr } from '../net/ipv4.js';
import type { Topology } from '../topology/types.js';
import { UsageError } from '../util/errors.js';

export const SPREAD_TABLE = 'oneip_spread';
export const MAX_SPREAD = 4096;

/** Each new connection from the client node to the ghost leaves from one of `count` population addresses, drawn at random. */
export function spreadStep(t: Topology, count: number): PlanStep {
  const pop = parseCidr(t.clientPopulation);
  if (!Number.isInteger(count) || count < 1 || count > Math.min(MAX_SPREAD, cidrSize(pop) - 2)) {
    throw new UsageError(`--addresses: expected a whole number from 1 to ${Math.min(MAX_SPREAD, cidrSize(pop) - 2)}, got "${count}"`);
  }
  const stride = Math.floor((cidrSize(pop) - 2) / count);
  const map = Array.from({ length: count }, (_, i) => `${i} : ${intToIp(pop.base + 1 + i * stride)}`).join(', ');
  const text = atomicTable(SPREAD_TABLE, [
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip daddr ${t.ghost} snat to numgen random mod ${count} map { ${map} }`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: `connections to the ghost leave from ${count} population addresses` };
}

export function unspreadStep(): PlanStep {
  return { kind: 'run', line: `nft delete table ip ${SPREAD_TABLE} 2>/dev/null || true`, comment: 'connections leave from the client\'s own address again' };
}
