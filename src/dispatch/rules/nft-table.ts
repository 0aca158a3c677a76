// Compiles the bucket-table dispatch function into nftables rulesets (jhash of the client address into M buckets).
import { atomicTable } from '../../plan/nft.js';
import { nftJhashExpression } from '../table.js';

export const DISPATCH_TABLE = 'oneip_dispatch';
export const FILTER_TABLE = 'oneip_filter';

/**
 * Dispatcher (routing scheme): mark = 1 + owner of the packet's bucket (`owners`, one per bucket), then one vmap
 * lookup jumps to the owner's counter chain: two hash lookups per packet whatever n (a counter rule per server,
 * tested in turn, cost every packet O(n)).
 */
export function tableMarkRuleset(ghost: string, owners: readonly number[], alive: readonly number[], seed: number, names: string[]): string {
  const buckets = owners.length;
  const map = owners.map((owner, b) => `${b} : ${owner + 1}`).join(', ');
  const vmap = alive.map((k) => `${k + 1} : jump to_${k}`).join(', ');
  const counters = alive.flatMap((k) => [`  chain to_${k} {`, `    counter comment "to ${names[k]}"`, '  }']);
  return atomicTable(DISPATCH_TABLE, [
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle; policy accept;',
    `    ip daddr ${ghost} meta mark set ${nftJhashExpression(buckets, seed)} map { ${map} } meta mark vmap { ${vmap} }`,
    '  }',
    ...counters,
  ]);
}

/** Every server's LAN interface (topology: findInterface(server, 'lan')), where the broadcast copies arrive. */
export const SERVER_LAN_DEVICE = 'lan';

/**
 * Server k (broadcast scheme): accept ghost packets of its own buckets (`owners`, one per bucket), drop the rest,
 * at the netdev ingress hook of its LAN interface: the earliest point a packet meets netfilter, before the IP
 * stack, the pkt_type fix and conntrack, so a copy for another server costs as little as the kernel allows.
 */
export function tableFilterRuleset(ghost: string, owners: readonly number[], seed: number, k: number, name: string): string {
  const buckets = owners.length;
  const mine = owners
    .map((owner, b) => (owner === k ? b : -1))
    .filter((b) => b >= 0);
  const accept = mine.length > 0 ? [`    ip daddr ${ghost} ${nftJhashExpression(buckets, seed)} { ${mine.join(', ')} } counter accept comment "accept: hash names ${name}"`] : [];
  return atomicTable(
    FILTER_TABLE,
    [
      '  chain ingress {',
      `    type filter hook ingress device "${SERVER_LAN_DEVICE}" priority 0; policy accept;`,
      ...accept,
      `    ip daddr ${ghost} counter drop comment "drop: hash names another server"`,
      '  }',
    ],
    'netdev',
  );
}
