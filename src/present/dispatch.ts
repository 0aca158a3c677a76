// How the dispatch function of a running lab reads: function, alive set, the population per server; and packet counters.
import { dispatchFunctionOf, dispatchFunctionSummary } from '../dispatch/registry.js';
import { summarizeRanges } from '../dispatch/summary.js';
import { readCounters } from '../lab/counters.js';
import { dispatchState } from '../lab/dispatch-control.js';
import type { RunningLab } from '../lab/running-lab.js';
import { cidrSize, parseCidr } from '../net/ipv4.js';
import { schemeOf } from '../schemes/registry.js';
import { printJson, table } from './output.js';

/** What `lab dispatch show` prints (and the shell's `dispatch`). */
export function showDispatch(lab: RunningLab, json: boolean): void {
  const t = lab.state.topology;
  const state = dispatchState(lab);
  const fn = dispatchFunctionOf(t);
  const pop = parseCidr(t.clientPopulation);
  const summary = summarizeRanges(fn, state, { base: pop.base, size: cidrSize(pop) });
  const scheme = schemeOf(t);
  if (scheme.clientModel === 'rotation') return showRotation(lab, json);
  const rulesOn = scheme.dispatchNodes(t).map((n) => n.name);
  if (json) return printJson({ scheme: t.scheme, rules_on: rulesOn, function: t.dispatch.function, alive: state.alive.map((k) => t.servers[k]!.name), population: t.clientPopulation, summary });
  console.log(`scheme: ${scheme.title}; dispatch rules on ${rulesOn.join(' ')}`);
  console.log(`function: ${fn.label}, n = ${state.servers} (${dispatchFunctionSummary(t.dispatch.function)})`);
  console.log(`alive: ${state.alive.map((k) => t.servers[k]!.name).join(' ')}`);
  console.log(`client population ${t.clientPopulation}:`);
  console.log(summary.text);
}

/** A scheme whose clients no function of their address places (DNS rotation): the alive set and what the name answers. */
function showRotation(lab: RunningLab, json: boolean): void {
  const t = lab.state.topology;
  const scheme = schemeOf(t);
  const alive = dispatchState(lab).alive.map((k) => t.servers[k]!);
  const target = scheme.clientTarget?.(t);
  const model = 'rotation: the name server rotates the alive servers\' addresses; which server a client gets depends on when it (or its cache) asked, not on its address';
  if (json) return printJson({ scheme: t.scheme, rules_on: scheme.dispatchNodes(t).map((n) => n.name), model, alive: alive.map((s) => s.name), ...(t.dns ? { name: t.dns.name, ttl: t.dns.ttl } : {}), ...(target ? { target } : {}) });
  console.log(`scheme: ${scheme.title}; name server on ${scheme.dispatchNodes(t).map((n) => n.name).join(' ')}`);
  console.log(`model: ${model}`);
  if (t.dns) console.log(`${t.dns.name} (TTL ${t.dns.ttl} s) answers: ${alive.map((s) => `${s.address} (${s.name})`).join(', ')}`);
  if (target?.resolver) console.log(`clients ask ${target.resolver}${t.dns?.cache ? ` (Unbound on the router, keeping answers at least ${t.dns.cache.minTtl} s)` : ''}`);
}

/** What `lab counters [NODE]` prints: every node but the client, or one node (and the shell's `counters`). */
export async function printCounters(lab: RunningLab, node: string | undefined, json: boolean): Promise<void> {
  const nodes = node ? [node] : lab.state.topology.nodes.filter((n) => n.role !== 'client').map((n) => n.name);
  const all = await Promise.all(nodes.map((n) => readCounters(lab, n)));
  if (json) return printJson(all);
  const rows = all.flatMap((c) => [
    ...c.rules.map((r) => [c.node, r.comment, r.packets]),
    ...(c.snmp['Icmp.OutRedirects'] ? [[c.node, 'ICMP redirects sent (IcmpOutRedirects)', c.snmp['Icmp.OutRedirects']]] : []),
    ...(c.snmp['Ip.ForwDatagrams'] ? [[c.node, 'IP datagrams forwarded', c.snmp['Ip.ForwDatagrams']]] : []),
  ]);
  console.log(table(['node', 'counter', 'packets'], rows));
}
