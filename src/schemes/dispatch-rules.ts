// The alive-set-dependent part of a plan: dispatcher marks (routing) or per-server local filters (broadcast).
import type { DispatchState } from '../dispatch/types.js';
import type { PlanStep } from '../plan/types.js';
import type { Topology } from '../topology/types.js';
import { moduloFilterTable, modulMarkTable } from './rules/iptables-bpf.js';
import { tableFilterRuleset, tableMarkRuleset } from './rules/nft-table.js';

export interface DispatchStep {
  node: string;
  step: PlanStep;
}

function load(command: string, text: string, comment: string): PlanStep {
  return { kind: 'load', command, text, comment };
}

/** Every node's dispatch rules for this alive set; each step replaces the node's rules in one atomic load. */
export function dispatchSteps(t: Topology, state: DispatchState): DispatchStep[] {
  const names = t.servers.map((s) => s.name);
  const { function: fn, buckets } = t.dispatch;
  if (t.scheme === 'routing') {
    const step =
      fn === 'modulo'
        ? load('iptables-restore', modulMarkTable(t.ghost, state, names), 'dispatch: mark = 1 + server index, CA mod n in classic BPF (xt_bpf)')
        : load('nft -f -', tableMarkRuleset(t.ghost, state, buckets, names), `dispatch: mark = 1 + owner of bucket jhash(CA) mod ${buckets}`);
    return t.dispatchers.map((d) => ({ node: d.name, step }));
  }
  return t.servers.map((s) => ({
    node: s.name,
    step:
      fn === 'modulo'
        ? load('iptables-restore', moduloFilterTable(t.ghost, state, s.index, s.name), `local filter (paper 5): accept only clients whose hash names ${s.name}`)
        : load('nft -f -', tableFilterRuleset(t.ghost, state, buckets, s.index, s.name), `local filter (paper 5): accept only buckets owned by ${s.name}`),
  }));
}
