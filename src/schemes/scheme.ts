// The Scheme interface: everything that differs between dispatching schemes, so the rest of the lab never asks which one it has.
import type { DispatchFunction } from '../dispatch/types.js';
import type { NodePlan, PlanStep } from '../plan/types.js';
import type { LabNode, ServerNode, Topology } from '../topology/types.js';
import type { ClusterState } from './cluster-state.js';

/** Where a scheme reads how many ghost packets went to a server: a node and the comment of its counted rule. */
export interface ServerCounter {
  node: string;
  comment: string;
}

/** Topology fields that only some schemes take; every other scheme refuses them at load. */
export const SCHEME_FIELDS = ['nat', 'dns', 'proxy'] as const;
export type SchemeField = (typeof SCHEME_FIELDS)[number];

export interface Scheme {
  readonly name: string;
  /** e.g. "routing-based dispatching (paper section 4)" */
  readonly title: string;
  /** one line: how a ghost packet reaches its server */
  readonly summary: string;
  /** how many dispatcher nodes a topology may have: the default, those allowed, the rule in words, and whether `dispatcher: router` may put the rules in the router instead */
  readonly dispatchers: { default: number; allowed: readonly number[]; rule: string; router: boolean };
  /** whether ghost1 (an unused LAN address the ghost is routed via) is used, so a topology must leave it free */
  readonly usesGhost1: boolean;
  /** The nodes that carry the dispatch rules (the dispatchers, or every server). */
  dispatchNodes(t: Topology): LabNode[];
  /** The router's scheme steps: how ghost packets get onto the LAN. */
  routerSteps(t: Topology, state: ClusterState): PlanStep[];
  /** A dispatcher's whole plan, its dispatch rules included (schemes without dispatchers never get asked). */
  dispatcherPlan(t: Topology, node: LabNode, state: ClusterState, fn: DispatchFunction): NodePlan;
  /** A server's scheme steps, after its base plan (the ghost alias, return routes). */
  serverSteps(t: Topology, server: ServerNode, state: ClusterState, fn: DispatchFunction): PlanStep[];
  /** The rule counter that counts the ghost packets dispatched to a server. */
  serverCounter(t: Topology, server: ServerNode): ServerCounter;
  /** A server's base plan when its servers do not own the ghost (nat, tcp-router); without it, base.ts's serverBasePlan (the ghost alias on lo). */
  serverBasePlan?(t: Topology, server: ServerNode): NodePlan;
  /** false when the servers do not carry the ghost (status and graph then show none on them); absent means they do */
  readonly ghostOnServers?: false;
  /** The scheme-only topology fields (SCHEME_FIELDS) this scheme takes. */
  readonly fields?: readonly SchemeField[];
  /** Why the scheme needs the lab's HTTP servers on port 80 (an L7 front speaks HTTP to them), refusing `server: {command}`; absent when any service works. */
  readonly httpServersOnly?: string;
  /** Why `transition: graceful` does not apply to this scheme (refused at load); absent when it does. */
  readonly noGraceful?: string;
  /**
   * How a client's server is decided: `hash` (the default) by the dispatch function of its address, which the model
   * predicts; `rotation` by a name server's rotation of its answers, which no function of the address predicts.
   */
  readonly clientModel?: 'hash' | 'rotation';
  /** false: the dispatcher nodes are not on the packet path (a name server), so watchd does not probe them as forwarders */
  readonly dispatchersOnPath?: boolean;
  /** What clients load when no target is given (default: http://GHOST/): a URL, and the resolver they ask for its name. */
  clientTarget?(t: Topology): { url: string; resolver?: string };
}
