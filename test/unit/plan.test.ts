// Plans are pure: golden text per shipped topology, and properties every plan must keep (no way out of the lab).
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNodePlan, type LabPlan } from '../../src/plan/types.js';
import { initialClusterState } from '../../src/schemes/cluster-state.js';
import { planLab } from '../../src/schemes/plan-lab.js';
import { loadTopology, parseTopology } from '../../src/topology-file/load.js';
import type { Topology } from '../../src/topology/types.js';
import { ROOT } from '../helpers/cli.js';

function planOf(topology: Topology): LabPlan {
  return planLab(topology, initialClusterState(topology));
}

function planText(plan: LabPlan): string {
  return plan.nodes.map(renderNodePlan).join('\n\n') + '\n';
}

for (const name of ['routing', 'broadcast']) {
  t.test(`golden plan of topologies/${name}.yaml`, async (t) => {
    const text = planText(planOf(loadTopology(join(ROOT, 'topologies', `${name}.yaml`))));
    const golden = join(ROOT, 'test', 'fixtures', 'plans', `${name}.txt`);
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
    t.equal(text, readFileSync(golden, 'utf8'), `the plan equals ${golden} (UPDATE_GOLDEN=1 rewrites it after a reviewed change)`);
  });
}

const variants = [
  'scheme: routing\nservers: 16\n',
  'scheme: routing\nservers: 3\ndispatchers: 2\ndispatch: {function: table}\nredirects: allow\n',
  'scheme: broadcast\nservers: 5\n',
  'scheme: broadcast\nservers: [{weight: 3}, {}, {address: 10.0.1.99}]\ndispatch: {function: table, buckets: 64}\narp: direct\n',
];

for (const yaml of variants) {
  const topology = parseTopology(`name: p\n${yaml}`, '<variant>');
  const plan = planOf(topology);
  const lines = planText(plan).split('\n');
  t.test(`plan properties: ${yaml.replace(/\n/g, '; ')}`, async (t) => {
    t.same(plan.nodes.map((n) => n.node), topology.nodes.map((n) => n.name), 'one plan per node, in node order');
    t.same(lines.filter((l) => /\bdefault\b/.test(l) && /ip route/.test(l)), [], 'no node gets a default route');
    const gateways = lines.flatMap((l) => [...l.matchAll(/ via (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!));
    const labAddresses = new Set([...topology.nodes.flatMap((n) => n.interfaces.map((i) => i.address)), topology.ghost1]);
    t.same(gateways.filter((g) => !labAddresses.has(g)), [], 'every route leads via a lab node (or ghost1)');
    const servers = plan.nodes.filter((n) => n.role === 'server');
    for (const s of servers) {
      const text = renderNodePlan(s);
      t.match(text, `ip addr replace ${topology.ghost}/32 dev lo`, `${s.node} carries the ghost as an alias on lo`);
      t.equal(s.sysctls['net.ipv4.conf.all.arp_ignore'], '1', `${s.node} never answers ARP for the ghost`);
      t.equal(s.sysctls['net.ipv4.conf.all.arp_announce'], '2', `${s.node} never announces the ghost`);
      if (topology.scheme === 'broadcast') t.match(text, 'meta pkttype set host', `${s.node} takes broadcast ghost packets as its own`);
    }
    const dispatchers = plan.nodes.filter((n) => n.role === 'dispatcher');
    t.equal(dispatchers.length, topology.dispatchers.length);
    for (const d of dispatchers) {
      const want = topology.redirects === 'allow' ? '1' : '0';
      t.equal(d.sysctls['net.ipv4.conf.lan.send_redirects'], want, `${d.node}: send_redirects on lan is ${want}`);
      t.equal(d.sysctls['net.ipv4.conf.all.send_redirects'], want, `${d.node}: send_redirects in all is ${want}`);
    }
  });
}
