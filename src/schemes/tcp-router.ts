// IBM's TCP router (paper section 2): the dispatcher rewrites the destination statelessly; each server rewrites its replies' source to the ghost.
import { dispatchStateOf } from './cluster-state.js';
import { inPart, type PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import { findInterface, type ServerNode, type Topology } from '../topology/types.js';
import { routerLan } from './base.js';
import { markToAddressMap, rewriteDispatcherBase, rewriteRouterSteps, serverWithoutGhost } from './rewrite-base.js';
import type { Scheme } from './scheme.js';

export const TCPR_TABLE = 'oneip_tcpr';
export const TCPR_REPLY_TABLE = 'oneip_tcpr_reply';
export const REWRITE_COMMENT = 'destination rewritten to the marked server (stateless)';
export const REPLY_COMMENT = 'reply source rewritten to the ghost';

/**
 * The dispatcher's rewrite, one table: ghost packets are untracked (raw, before conntrack: conntrack sees only the
 * client's direction here and would call the client's ACK invalid), then, after the function's marks (mangle), the
 * destination is set from the mark to the server's primary address; the route lookup after PREROUTING sends the
 * packet there. No state: every packet is rewritten on its own. (`ct state untracked` also turns conntrack on in
 * the namespace, so the other traffic the dispatcher forwards is tracked and the absence of ghost entries means something.)
 */
export function rewriteTableStep(t: Topology): PlanStep {
  const text = atomicTable(TCPR_TABLE, [
    '  chain raw {',
    '    type filter hook prerouting priority raw; policy accept;',
    `    ip daddr ${t.ghost} notrack`,
    '  }',
    '  chain rewrite {',
    '    type filter hook prerouting priority mangle + 10; policy accept;',
    `    ip daddr ${t.ghost} ct state untracked ip daddr set ${markToAddressMap(t)} counter comment "${REWRITE_COMMENT}"`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: 'TCP router: ghost packets untracked, their destination set from the dispatch mark (no connection table)' };
}

/** The clients a server answers with the ghost as source: the client node and its population (the router's own probes keep the primary address). */
export function clientDestinations(t: Topology): string {
  return `{ ${findInterface(t.client, 'cl').address}, ${t.clientPopulation} }`;
}

/** Server: the paper's "kernel modification", one nft rule: replies to clients leave with the ghost as source. */
export function replyRewriteStep(t: Topology, s: ServerNode): PlanStep {
  const text = atomicTable(TCPR_REPLY_TABLE, [
    '  chain postrouting {',
    '    type filter hook postrouting priority 300; policy accept;',
    `    ip saddr ${s.address} ip daddr ${clientDestinations(t)} ip saddr set ${t.ghost} counter comment "${REPLY_COMMENT}"`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: "TCP router: the server's replies to clients leave with the published address, straight to the router" };
}

export const tcpRouter: Scheme = {
  name: 'tcp-router',
  title: "IBM's TCP router (paper section 2)",
  summary: "the router sends ghost packets to the dispatcher, which picks the server by the hash of CA and rewrites the destination to its primary address, statelessly; the server rewrites its replies' source to the ghost and sends them straight back",
  dispatchers: { default: 1, allowed: [1], rule: 'the tcp-router scheme takes exactly 1 dispatcher', router: false },
  usesGhost1: false,
  ghostOnServers: false,
  noGraceful: "its servers do not own the ghost and its dispatcher holds no state, so nothing can pass a packet on to the server that held its connection before a change; a change resets the moved clients' open connections, as abrupt does",
  dispatchNodes: (t) => t.dispatchers,
  routerSteps: (t, state) => rewriteRouterSteps(t, state),
  dispatcherPlan(t, node, state, fn) {
    const plan = rewriteDispatcherBase(t, node);
    const names = t.servers.map((s) => s.name);
    // the address map before the marks: a scale adds a server's entry before any packet carries its mark
    plan.steps.push(rewriteTableStep(t), ...inPart('dispatch', [fn.markRules(t.ghost, dispatchStateOf(t, state), names)]));
    return plan;
  },
  serverBasePlan: (t, s) => serverWithoutGhost(t, s, routerLan(t), 'the router (replies go straight back)'),
  serverSteps: (t, s) => [replyRewriteStep(t, s)],
  serverCounter: (t, s) => ({ node: t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};
