// NAT dispatching (paper section 2: Cisco LocalDirector, Magic Router): the dispatcher DNATs each connection to a private server and un-NATs its replies.
import { dispatchStateOf } from './cluster-state.js';
import { inPart, type PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import type { Topology } from '../topology/types.js';
import { dispatcherAddress, markToAddressMap, rewriteDispatcherBase, rewriteRouterSteps, serverWithoutGhost } from './rewrite-base.js';
import type { Scheme } from './scheme.js';

export const NAT_TABLE = 'oneip_nat';
export const PRIVATE_TABLE = 'oneip_private';
export const NAT_COMMENT = 'new connections translated (DNAT to the marked server)';
export const FTP_HELPER_COMMENT = 'FTP control connections get the ftp helper';
export const PRIVATE_COMMENT = 'the LAN is private: from the client side only through the translation';
/** The name of the FTP conntrack helper object in the NAT table. */
export const FTP_HELPER = 'ftp-std';

/** Whether the topology asks for the FTP helper (`nat: {ftp-helper: true}`). */
export function ftpHelperOn(t: Topology): boolean {
  return t.nat?.ftpHelper === true;
}

/**
 * The dispatcher's translation, one table: new connections to the ghost are DNATed by their dispatch mark (set in
 * mangle PREROUTING by the function's markRules, before dstnat) to the server's primary address; conntrack keeps
 * the binding for the connection's life and un-NATs the replies. With the FTP helper, the control connection
 * (matched by its original destination, since the helper chain runs after DNAT) gets the ftp helper: from Linux 6.0
 * on none is attached by itself.
 */
export function natTableStep(t: Topology): PlanStep {
  const helper = ftpHelperOn(t)
    ? [
        `  ct helper ${FTP_HELPER} { type "ftp" protocol tcp; }`,
        '  chain helpers {',
        '    type filter hook prerouting priority filter; policy accept;',
        `    ct original ip daddr ${t.ghost} tcp dport 21 ct helper set "${FTP_HELPER}" counter comment "${FTP_HELPER_COMMENT}"`,
        '  }',
      ]
    : [];
  const text = atomicTable(NAT_TABLE, [
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ip daddr ${t.ghost} counter dnat to ${markToAddressMap(t)} comment "${NAT_COMMENT}"`,
    '  }',
    ...helper,
  ]);
  const comment = `NAT: the first packet of a connection is DNATed to its server's private address; conntrack holds the rest${ftpHelperOn(t) ? '; the FTP helper on port 21' : ' (FTP helper off)'}`;
  return { kind: 'load', command: 'nft -f -', text, comment };
}

/** The router keeps the servers private: nothing from the client side is forwarded to the LAN (its own probes are not forwarded, so they still reach it). */
export function privateLanStep(t: Topology): PlanStep {
  const text = atomicTable(PRIVATE_TABLE, [
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    iifname "cl" ip daddr ${t.networks.lan.subnet} counter drop comment "${PRIVATE_COMMENT}"`,
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: 'NAT: the servers have private addresses; clients reach them only through the dispatcher' };
}

export const nat: Scheme = {
  name: 'nat',
  title: 'NAT dispatching (paper section 2: Cisco LocalDirector, Magic Router)',
  summary: "the router sends ghost packets to the dispatcher, which picks the server by the hash of CA and DNATs the connection to its private address; replies come back through the dispatcher, whose conntrack rewrites their source to the ghost",
  dispatchers: { default: 1, allowed: [1], rule: 'the nat scheme takes exactly 1 dispatcher (its conntrack table holds every connection)', router: false },
  usesGhost1: false,
  ghostOnServers: false,
  fields: ['nat'],
  noGraceful: 'conntrack on the dispatcher already keeps every open connection on its server, so a change of the function moves only new connections',
  dispatchNodes: (t) => t.dispatchers,
  routerSteps: (t, state) => [...rewriteRouterSteps(t, state), privateLanStep(t)],
  dispatcherPlan(t, node, state, fn) {
    const plan = rewriteDispatcherBase(t, node);
    const names = t.servers.map((s) => s.name);
    // the address map before the marks: a scale adds a server's map entry before any packet carries its mark
    plan.steps.push(natTableStep(t), ...inPart('dispatch', [fn.markRules(t.ghost, dispatchStateOf(t, state), names)]));
    return plan;
  },
  serverBasePlan: (t, s) => serverWithoutGhost(t, s, dispatcherAddress(t), 'the dispatcher: replies go back through the translation (conntrack un-NATs them)'),
  serverSteps: () => [],
  serverCounter: (t, s) => ({ node: t.dispatchers[0]!.name, comment: `to ${s.name}` }),
};

