// Broadcast-based dispatching (paper section 5): the router broadcasts ghost packets; every server filters locally.
import { inPart, type PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import type { ServerNode, Topology } from '../topology/types.js';
import type { DispatchFunction } from '../dispatch/types.js';
import { LabError } from '../util/errors.js';
import { run } from './base.js';
import { dispatchStateOf, type ClusterState } from './cluster-state.js';
import type { Scheme } from './scheme.js';
import { isGraceful, trackedFilterStep } from './transition-steps.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const PKTTYPE_TABLE = 'oneip_pkttype';

/** Router: a permanent broadcast neighbour entry, and the ghost routed via it (ghost1, or the ghost itself with arp: direct). */
export function routerBroadcastSteps(t: Topology): PlanStep[] {
  if (t.arp === 'direct') {
    return [
      run(`ip neigh replace ${t.ghost} lladdr ${BROADCAST_MAC} dev lan nud permanent`, 'arp: direct: the ghost itself maps to the Ethernet broadcast address'),
      run(`ip route replace ${t.ghost}/32 dev lan`, 'the ghost is on-link on the LAN'),
    ];
  }
  return [
    run(`ip neigh replace ${t.ghost1} lladdr ${BROADCAST_MAC} dev lan nud permanent`, 'ghost1 (unused LAN address) maps to the Ethernet broadcast address (paper 5.1)'),
    run(`ip route replace ${t.ghost}/32 via ${t.ghost1} dev lan`, 'the ghost is routed via ghost1, so every ghost packet is broadcast'),
  ];
}

/** Server: Linux drops TCP segments that arrived as link-layer broadcast; mark ghost packets as addressed to this host. */
export function pkttypeFixStep(t: Topology): PlanStep {
  const text = atomicTable(PKTTYPE_TABLE, [
    '  chain prerouting {',
    '    type filter hook prerouting priority raw - 10; policy accept;',
    `    ip daddr ${t.ghost} meta pkttype broadcast meta pkttype set host counter comment "broadcast ghost packet taken as unicast"`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: 'pkt_type fix: the paper rewrote the Ethernet header on NetBSD; here nftables sets pkttype host' };
}

/**
 * A server's local filter; in graceful mode with the table that keeps connections where they are. Entering a
 * transition the drop of others' TCP goes in before the filter lets TCP through; leaving, the other way round,
 * so no server ever takes (and resets) a packet of a connection another server holds.
 */
function broadcastFilterSteps(t: Topology, s: ServerNode, state: ClusterState, fn: DispatchFunction): PlanStep[] {
  const filter = fn.filterRules(t.ghost, dispatchStateOf(t, state), s.index, s.name, { passMidstream: state.transition !== undefined });
  if (!isGraceful(t)) return [filter];
  const tracked = trackedFilterStep(t, state);
  return state.transition ? [tracked, filter] : [filter, tracked];
}

export const broadcast: Scheme = {
  name: 'broadcast',
  title: 'broadcast-based dispatching (paper section 5)',
  summary: 'the router sends every ghost packet to the Ethernet broadcast address; each server\'s local filter accepts only the clients its hash names',
  dispatchers: { default: 0, allowed: [0], rule: 'the broadcast scheme has no dispatcher: leave dispatchers out or set it to 0', router: false },
  usesGhost1: true,
  dispatchNodes: (t) => t.servers,
  routerSteps: (t) => routerBroadcastSteps(t),
  dispatcherPlan() {
    throw new LabError('the broadcast scheme has no dispatcher');
  },
  // the local filter is in place before the pkt_type fix lets a server take ghost packets at all,
  // so a server whose plan is applied under load (a revived one) never accepts, and resets, another's clients
  serverSteps: (t, s, state, fn) => [...inPart('dispatch', broadcastFilterSteps(t, s, state, fn)), pkttypeFixStep(t)],
  serverCounter: (_t, s) => ({ node: s.name, comment: `accept: hash names ${s.name}` }),
};
