// Compiles the bucket-table dispatch function into nftables rulesets (jhash of the client address into M buckets).
import { atomicTable } from '../../plan/nft.js';
import { nftJhashExpression } from '../table.js';
import { SECOND_CHANCE_MARK } from '../types.js';

export const DISPATCH_TABLE = 'oneip_dispatch';
export const FILTER_TABLE = 'oneip_filter';
export const SECOND_CHANCE_MARK_TABLE = 'oneip_second_mark';

/** A TCP packet other than a SYN, in nft: what a transition lets through to conntrack. */
export const NFT_MIDSTREAM = 'tcp flags & (syn | ack) != syn';

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
export function tableFilterRuleset(ghost: string, owners: readonly number[], seed: number, k: number, name: string, passMidstream = false): string {
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
      ...(passMidstream ? [`    ip daddr ${ghost} ${NFT_MIDSTREAM} accept comment "transition: TCP other than a SYN passes to conntrack"`] : []),
      ...accept,
      `    ip daddr ${ghost} counter drop comment "drop: hash names another server"`,
      '  }',
    ],
    'netdev',
  );
}

/**
 * Routing server k during a graceful transition: each ghost TCP packet that is no SYN and unknown to conntrack gets
 * mark SECOND_CHANCE_MARK + owner of its bucket under generation i + 1, for the oldest generation i whose table
 * gives the bucket to k (`ownersByGeneration`, newest first; owners reachable and other than k only).
 * One generation: the table empty.
 */
export function tableSecondChanceRuleset(ghost: string, ownersByGeneration: readonly (readonly number[])[], k: number, reachable: number[], seed: number): string {
  const rules: string[] = [];
  for (let i = ownersByGeneration.length - 2; i >= 0; i--) {
    const mine = ownersByGeneration[i]!;
    const next = ownersByGeneration[i + 1]!;
    const entries = mine.flatMap((o, b) => (o === k && next[b] !== k && reachable.includes(next[b]!) ? [`${b} : ${SECOND_CHANCE_MARK + next[b]!}`] : []));
    if (entries.length === 0) continue;
    // a bucket of k under generation i gets its owner under i + 1; the others (that owner is k too, or gone) find no
    // entry, so the rule breaks there and the next, newer generation is asked
    const hash = nftJhashExpression(mine.length, seed);
    rules.push(`    ip daddr ${ghost} ${NFT_MIDSTREAM} ct state invalid meta mark set ${hash} map { ${entries.join(', ')} } accept comment "generation ${i + 1}: owner before the change"`);
  }
  if (rules.length === 0) return atomicTable(SECOND_CHANCE_MARK_TABLE, []);
  return atomicTable(SECOND_CHANCE_MARK_TABLE, ['  chain prerouting {', '    type filter hook prerouting priority mangle; policy accept;', ...rules, '  }']);
}
