// Compiles the modulo dispatch function into iptables-restore tables that use the xt_bpf match.
import { compileModuloMatch, toXtBpfBytecode } from '../bpf.js';
import { compileModuloTree, type TreeTarget } from '../modulo-tree.js';
import { SECOND_CHANCE_MARK, type DispatchState } from '../types.js';

export const DISPATCH_CHAIN = 'ONEIP-DISPATCH';
export const FILTER_CHAIN = 'ONEIP-FILTER';
export const SECOND_CHANCE_CHAIN = 'ONEIP-SECOND';

/** The rule that lets TCP packets other than a SYN through a server's filter while a graceful transition is in force. */
const PASS_MIDSTREAM = `-p tcp ! --syn -m comment --comment "transition: TCP other than a SYN passes to conntrack" -j ACCEPT`;

/** The chain of a tree target: the root node is ONEIP-DISPATCH itself, other nodes ONEIP-DISPATCH-T0-32 etc., server k's leaf ONEIP-DISPATCH-k. */
function chainOf(at: TreeTarget, root: TreeTarget): string {
  if ('server' in at) return `${DISPATCH_CHAIN}-${at.server}`;
  return 'node' in root && root.node === at.node ? DISPATCH_CHAIN : `${DISPATCH_CHAIN}-${at.node}`;
}

/**
 * Dispatcher (routing scheme): mangle table marking each ghost packet with 1 + the chosen server index.
 * A binary tree of chains (src/dispatch/modulo-tree.ts): each node one xt_bpf test `CA mod M < split` going
 * to its lower or upper child, each leaf a two-rule chain (mark, accept); ceil(log2 n) tests per packet with
 * every server alive. iptables-restore replaces the whole table, so chains of an earlier state never linger.
 */
export function modulMarkTable(ghost: string, state: DispatchState, names: string[]): string {
  const tree = compileModuloTree(state);
  const inner = tree.nodes.map((n) => chainOf({ node: n.name }, tree.root)).filter((c) => c !== DISPATCH_CHAIN);
  const chains = [...inner, ...state.alive.map((k) => chainOf({ server: k }, tree.root))].map((c) => `:${c} - [0:0]`);
  const tests = tree.nodes.flatMap((n) => {
    const at = chainOf({ node: n.name }, tree.root);
    const code = toXtBpfBytecode(n.program);
    return [`-A ${at} -m bpf --bytecode "${code}" -g ${chainOf(n.below, tree.root)}`, `-A ${at} -g ${chainOf(n.above, tree.root)}`];
  });
  const start = 'server' in tree.root ? [`-A ${DISPATCH_CHAIN} -g ${chainOf(tree.root, tree.root)}`] : [];
  const marks = state.alive.flatMap((k) => [
    `-A ${DISPATCH_CHAIN}-${k} -m comment --comment "to ${names[k]}" -j MARK --set-mark ${k + 1}`,
    `-A ${DISPATCH_CHAIN}-${k} -j ACCEPT`,
  ]);
  return [
    '*mangle',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    `:${DISPATCH_CHAIN} - [0:0]`,
    ...chains,
    `-A PREROUTING -d ${ghost}/32 -j ${DISPATCH_CHAIN}`,
    ...start,
    ...tests,
    ...marks,
    'COMMIT',
    '',
  ].join('\n');
}

/** Server k (broadcast scheme): raw table accepting ghost packets whose hash names k, dropping the rest, before conntrack. */
export function moduloFilterTable(ghost: string, state: DispatchState, k: number, name: string, passMidstream = false): string {
  const code = toXtBpfBytecode(compileModuloMatch(state, k));
  return [
    '*raw',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    `:${FILTER_CHAIN} - [0:0]`,
    `-A PREROUTING -d ${ghost}/32 -j ${FILTER_CHAIN}`,
    ...(passMidstream ? [`-A ${FILTER_CHAIN} ${PASS_MIDSTREAM}`] : []),
    `-A ${FILTER_CHAIN} -m bpf --bytecode "${code}" -m comment --comment "accept: hash names ${name}" -j ACCEPT`,
    `-A ${FILTER_CHAIN} -m comment --comment "drop: hash names another server" -j DROP`,
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * Routing server k during a graceful transition: mangle table marking each ghost TCP packet that is no SYN and
 * unknown to conntrack with SECOND_CHANCE_MARK + j, for the oldest generation i whose function names k and j the
 * owner under generation i + 1 (oldest first, so a packet only ever moves on to older owners: no loop) (j reachable, j != k). One generation: the mangle table empty.
 */
export function moduloSecondChanceTable(ghost: string, generations: DispatchState[], k: number, reachable: number[], names: string[]): string {
  const head = ['*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  const rules: string[] = [];
  const targets = new Set<number>();
  for (let i = generations.length - 2; i >= 0; i--) {
    if (!generations[i]!.alive.includes(k)) continue;
    const mine = toXtBpfBytecode(compileModuloMatch(generations[i]!, k));
    for (const j of generations[i + 1]!.alive) {
      if (j === k || !reachable.includes(j)) continue;
      targets.add(j);
      const theirs = toXtBpfBytecode(compileModuloMatch(generations[i + 1]!, j));
      rules.push(`-A ${SECOND_CHANCE_CHAIN} -m bpf --bytecode "${mine}" -m bpf --bytecode "${theirs}" -m comment --comment "generation ${i + 1}: owner ${names[j] ?? `s${j}`}" -j ${SECOND_CHANCE_CHAIN}-${j}`);
    }
  }
  if (rules.length === 0) return [...head, 'COMMIT', ''].join('\n');
  const marks = [...targets].sort((a, b) => a - b).flatMap((j) => [`-A ${SECOND_CHANCE_CHAIN}-${j} -j MARK --set-mark ${SECOND_CHANCE_MARK + j}`, `-A ${SECOND_CHANCE_CHAIN}-${j} -j ACCEPT`]);
  return [
    ...head,
    `:${SECOND_CHANCE_CHAIN} - [0:0]`,
    ...[...targets].sort((a, b) => a - b).map((j) => `:${SECOND_CHANCE_CHAIN}-${j} - [0:0]`),
    `-A PREROUTING -d ${ghost}/32 -p tcp ! --syn -m conntrack --ctstate INVALID -j ${SECOND_CHANCE_CHAIN}`,
    ...rules,
    ...marks,
    'COMMIT',
    '',
  ].join('\n');
}
