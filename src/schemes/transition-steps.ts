// Graceful transitions on servers (issue 11): conntrack on from the start, and the rules that let connections finish where they are.
import { SECOND_CHANCE_MARK } from '../dispatch/types.js';
import { atomicTable } from '../plan/nft.js';
import type { PlanStep } from '../plan/types.js';
import type { ServerNode, Topology } from '../topology/types.js';
import { reachableServers, type ClusterState } from './cluster-state.js';

/** Broadcast servers: the table that drops TCP of connections another server holds while a transition is in force. */
export const TRACKED_TABLE = 'oneip_tracked';
/** Routing servers: the table that passes an untracked packet on to its owner before the change. */
export const SECOND_CHANCE_TABLE = 'oneip_second';
export const SECOND_CHANCE_COMMENT = 'second chance: to its owner before the change';
export const TRANSITION_DROP_COMMENT = 'transition: TCP of a connection another server holds';

/** Whether the topology changes its function gracefully. */
export function isGraceful(t: Topology): boolean {
  return t.transition === 'graceful';
}

/** Kernel settings of a server in graceful mode: a packet in mid-stream never creates conntrack state (it is INVALID). */
export function gracefulServerSysctls(t: Topology): Record<string, string> {
  return isGraceful(t) ? { 'net.netfilter.nf_conntrack_tcp_loose': '0' } : {};
}

/** The rule every graceful server has from the start: it uses conntrack, so the namespace tracks connections before any change. */
function conntrackOn(t: Topology): string {
  return `    ip daddr ${t.ghost} ct state established counter comment "conntrack on from the start (graceful transitions)"`;
}

/**
 * Broadcast server, after conntrack: while a transition is in force, TCP packets other than a SYN that no
 * connection of this server's explains (INVALID with loose=0) are dropped; tracked ones go on.
 */
export function trackedFilterStep(t: Topology, state: ClusterState): PlanStep {
  const drop = state.transition
    ? [`    ip daddr ${t.ghost} tcp flags & (syn | ack) != syn ct state invalid counter drop comment "${TRANSITION_DROP_COMMENT}"`]
    : [];
  const text = atomicTable(TRACKED_TABLE, [
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle; policy accept;',
    conntrackOn(t),
    ...drop,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: state.transition ? 'transition: connections stay where they are' : 'graceful mode: no transition in force' };
}

/**
 * Routing server k, after the function's marks: a packet marked SECOND_CHANCE_MARK + j is duplicated to S_j's
 * primary address (nft dup, which sends it untracked) and dropped here, so S_j, which holds its connection,
 * answers the client. Without a transition, only the rule that keeps conntrack on.
 */
export function secondChanceStep(t: Topology, server: ServerNode, state: ClusterState): PlanStep {
  const targets = reachableServers(state).filter((j) => j !== server.index && state.transition !== undefined);
  const owners = targets.map((j) => `${SECOND_CHANCE_MARK + j} : ${serverAddress(t, j)}`);
  const body = [
    ...(owners.length > 0 ? [`  map owners { type mark : ipv4_addr; elements = { ${owners.join(', ')} } }`] : []),
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle + 10; policy accept;',
    conntrackOn(t),
    ...(owners.length > 0 ? [`    ip daddr ${t.ghost} meta mark & 0xffff0000 == ${SECOND_CHANCE_MARK} dup to meta mark map @owners device "lan" counter drop comment "${SECOND_CHANCE_COMMENT}"`] : []),
    '  }',
  ];
  const comment = owners.length > 0 ? 'transition: untracked packets passed on to their owner before the change' : 'graceful mode: no transition in force';
  return { kind: 'load', command: 'nft -f -', text: atomicTable(SECOND_CHANCE_TABLE, body), comment };
}

function serverAddress(t: Topology, j: number): string {
  const server = t.servers.find((s) => s.index === j);
  if (!server) throw new Error(`second chance: server index ${j} is not in the topology`);
  return server.address;
}
