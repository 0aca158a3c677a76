// Plans are pure: golden text per shipped topology, and properties every plan must keep (no way out of the lab).
import t, { type Test } from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNodePlan, renderSteps, type LabPlan, type PlanStep } from '../../src/plan/types.js';
import { initialClusterState, type ClusterState } from '../../src/schemes/cluster-state.js';
import { planChanges, planLab } from '../../src/schemes/plan-lab.js';
import { loadTopology, parseTopology } from '../../src/topology-file/load.js';
import type { Topology } from '../../src/topology/types.js';
import { ROOT } from '../helpers/cli.js';

function planOf(topology: Topology): LabPlan {
  return planLab(topology, initialClusterState(topology));
}

function planText(plan: LabPlan): string {
  return plan.nodes.map(renderNodePlan).join('\n\n') + '\n';
}

function checkGolden(t: Test, name: string, plan: LabPlan): void {
  const text = planText(plan);
  const golden = join(ROOT, 'test', 'fixtures', 'plans', `${name}.txt`);
  if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, text);
  t.equal(text, readFileSync(golden, 'utf8'), `the plan equals ${golden} (UPDATE_GOLDEN=1 rewrites it after a reviewed change)`);
}

/** A shipped topology, or (NAME-table) the same with the `table` function of 16 buckets. */
const shipped = (name: string): Topology => {
  if (name.endsWith('-graceful')) {
    const base = name.slice(0, -'-graceful'.length);
    const [scheme, fn] = base.split('-table');
    return parseTopology(`name: gr\nscheme: ${scheme}\nservers: 4\ntransition: graceful\n${fn === undefined ? '' : 'dispatch: {function: table, buckets: 16}\n'}`, `<${name}>`);
  }
  const [file, fn] = name.split('-table');
  if (fn === undefined) return loadTopology(join(ROOT, 'topologies', `${name}.yaml`));
  return parseTopology(`name: tab\nscheme: ${file}\nservers: 4\ndispatch: {function: table, buckets: 16}\n`, `<${name}>`);
};

for (const name of ['routing', 'broadcast', 'routing-router', 'nat', 'tcp-router', 'dns', 'dns-cached', 'proxy', 'proxy-nginx', 'redirect']) {
  t.test(`golden plan of topologies/${name}.yaml`, async (t) => checkGolden(t, name, planOf(shipped(name))));
}

/** States a running lab goes through: a server taken out with watchd's probe routes on, a dispatcher failed over. */
const states: [string, string, (t: Topology) => ClusterState][] = [
  ['broadcast-table-s1-failed', 'broadcast-table', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['routing-table-s1-failed', 'routing-table', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['routing-s1-failed', 'routing', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['proxy-s1-failed', 'proxy', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['redirect-table-s1-failed', 'redirect-table', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['broadcast-s1-failed', 'broadcast', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['nat-s1-failed', 'nat', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['tcp-router-table-s1-failed', 'tcp-router-table', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], probes: true })],
  ['routing-backup-failed-over', 'routing-backup', (t) => ({ ...initialClusterState(t), activeDispatcher: 'dispatcher2', probes: true })],
  // the dns scheme: s1's record withdrawn at the name server (watchd's probe routes are never on: it probes no name server)
  ['dns-s1-failed', 'dns', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3] })],
  // graceful transitions: s1 put back while the connections its clients opened on stand-ins finish there
  ['routing-transition-s1-back', 'routing-graceful', (t) => ({ ...initialClusterState(t), transition: { from: { servers: 4, alive: [0, 2, 3], weights: [1, 1, 1, 1] }, started: 0 } })],
  ['broadcast-transition-s1-back', 'broadcast-graceful', (t) => ({ ...initialClusterState(t), transition: { from: { servers: 4, alive: [0, 2, 3], weights: [1, 1, 1, 1] }, started: 0 } })],
  ['routing-table-transition-s1-drained', 'routing-table-graceful', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], drained: [1], transition: { from: { servers: 4, alive: [0, 1, 2, 3], weights: [1, 1, 1, 1] }, started: 0 } })],
  ['broadcast-table-transition-s1-drained', 'broadcast-table-graceful', (t) => ({ ...initialClusterState(t), alive: [0, 2, 3], drained: [1], transition: { from: { servers: 4, alive: [0, 1, 2, 3], weights: [1, 1, 1, 1] }, started: 0 } })],
];

for (const [golden, name, state] of states) {
  t.test(`golden plan of topologies/${name}.yaml in state ${golden}`, async (t) => {
    const topology = shipped(name);
    checkGolden(t, golden, planLab(topology, state(topology)));
  });
}

t.test('planChanges: only the parts of the plan that follow the changed state, on the nodes that carry them', async (t) => {
  const routing = shipped('routing');
  const start = initialClusterState(routing);
  t.same(planChanges(routing, start, start), [], 'the same state: nothing to apply');
  const down = planChanges(routing, start, { ...start, alive: [0, 2, 3] });
  t.same(down.map((c) => c.node), ['dispatcher'], 'routing: a server out changes the dispatcher only');
  t.same(down.flatMap((c) => c.steps.map((s) => s.part)), ['dispatch'], 'and only its dispatch rules');
  const probes = planChanges(routing, start, { ...start, probes: true });
  t.same(probes.map((c) => c.node), ['router'], "watchd's probe routes go to the router");
  t.ok(probes[0]!.steps.every((s) => s.part === 'probes'), 'and nothing else');

  const broadcast = shipped('broadcast');
  const b0 = initialClusterState(broadcast);
  const out = planChanges(broadcast, b0, { ...b0, alive: [0, 2, 3] });
  t.same(out.map((c) => c.node), ['s0', 's1', 's2', 's3'], "broadcast: every server's local filter follows the new function (s1's now accepts no client)");
  t.ok(out.every((c) => c.steps.every((s) => s.part === 'dispatch')), 'only local filters change');

  const backup = shipped('routing-backup');
  const k0 = initialClusterState(backup);
  const over = planChanges(backup, k0, { ...k0, activeDispatcher: 'dispatcher2' });
  t.same(over.map((c) => c.node), ['router'], 'a failover changes the router only');
  t.match(over[0]!.steps.map((s) => (s.kind === 'run' ? s.line : '')).join('\n'), /ip route replace 10\.0\.0\.100\/32 via 10\.0\.2\.3 dev lan/, 'its ghost route now leads to dispatcher2');

  // the start plan with the changed parts replaced is the plan of the new state, part by part
  const parts = (steps: PlanStep[], part: string | undefined): string => renderSteps(steps.filter((x) => x.part === part));
  for (const [golden, name, state] of states) {
    const topology = shipped(name);
    const before = new Map(planOf(topology).nodes.map((p) => [p.node, p.steps]));
    const applied = new Map(planChanges(topology, initialClusterState(topology), state(topology)).map((c) => [c.node, c.steps]));
    for (const node of planLab(topology, state(topology)).nodes) {
      for (const part of [undefined, 'dispatch', 'ghost-route', 'probes']) {
        const changed = applied.get(node.node)?.some((x) => x.part === part);
        const got = parts(changed ? applied.get(node.node)! : before.get(node.node)!, part);
        t.equal(got, parts(node.steps, part), `${golden}: ${node.node} ${part ?? 'base'} part`);
      }
    }
  }
});

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

t.test('dispatcher: router: the router carries the dispatch rules; a server out changes only its dispatch part', async (t) => {
  const topology = shipped('routing-router');
  const start = initialClusterState(topology);
  t.same(planOf(topology).nodes.map((p) => p.node), ['client', 'router', 's0', 's1', 's2', 's3'], 'no dispatcher node');
  const down = planChanges(topology, start, { ...start, alive: [0, 2, 3] });
  t.same(down.map((c) => c.node), ['router'], 'a server out changes the router only');
  t.same(down.flatMap((c) => c.steps.map((s) => s.part)), ['dispatch'], 'and only its dispatch rules');
  const router = renderSteps(planOf(topology).nodes.find((p) => p.node === 'router')!.steps);
  t.notMatch(router, /ip route replace 10\.0\.0\.100\/32 via \S+ dev lan$/m, 'no main-table route of the ghost: every ghost packet is marked and takes its server\'s table');
  t.match(router, /ip rule add fwmark 4 lookup 103/);
});

t.test('dns scheme: a server out changes only the name server\'s records (nsupdate), never BIND\'s process, so it keeps answering', async (t) => {
  const dns = shipped('dns-cached');
  const start = initialClusterState(dns);
  const down = planChanges(dns, start, { ...start, alive: [0, 2, 3] });
  t.same(down.map((c) => c.node), ['dispatcher'], 'only the name server changes (not the cache, not the servers)');
  t.same(down[0]!.steps.map((s) => [s.kind, s.part]), [['load', 'dispatch']], 'one step: the records, part dispatch');
  const step = down[0]!.steps[0]!;
  t.ok(step.kind === 'load' && step.command.startsWith('nsupdate'), 'an nsupdate');
  const text = step.kind === 'load' ? step.text : '';
  t.match(text, /update delete www\.oneip\.lab\. A\n/, 'the whole set is replaced in one update message');
  t.notMatch(text, /10\.0\.1\.11/, "s1's address is withdrawn");
  t.match(text, /update add www\.oneip\.lab\. 5 A 10\.0\.1\.10\n/);
  const plan = planLab(dns, start);
  const processes = plan.nodes.flatMap((n) => n.steps.filter((s) => s.kind === 'process').map((s) => `${n.node}:${s.kind === 'process' ? s.name : ''}`));
  t.same(processes, ['router:unbound', 'dispatcher:named'], 'Unbound on the router, BIND on the dispatcher node');
});

t.test('planChanges: a server new in a scale gets its whole plan in plan order (its filter before the pkt_type fix that lets it take ghost packets)', async (t) => {
  const { resizeTopology } = await import('../../src/topology-file/resize.js');
  for (const name of ['broadcast-graceful', 'broadcast', 'routing-graceful']) {
    const before = shipped(name);
    const after = resizeTopology(before, 5);
    const s0 = initialClusterState(before);
    const grown = { ...s0, alive: [...s0.alive, 4] };
    const s4 = planChanges(before, s0, grown, after).find((c) => c.node === 's4');
    t.ok(s4, `${name}: s4 gets a plan`);
    t.equal(renderSteps(s4!.steps), renderSteps(planLab(after, grown).nodes.find((p) => p.node === 's4')!.steps), `${name}: s4's steps are its plan, in order`);
  }
  const tracked = planChanges(shipped('broadcast-graceful'), initialClusterState(shipped('broadcast-graceful')), { ...initialClusterState(shipped('broadcast-graceful')), alive: [0, 2, 3] });
  for (const c of tracked) {
    const full = planLab(shipped('broadcast-graceful'), { ...initialClusterState(shipped('broadcast-graceful')), alive: [0, 2, 3] }).nodes.find((p) => p.node === c.node)!.steps;
    const texts = full.map((s) => renderSteps([s]));
    const order = c.steps.map((s) => texts.indexOf(renderSteps([s])));
    t.ok(order.every((k, i) => k >= 0 && (i === 0 || k > order[i - 1]!)), `${c.node}: changed steps keep the plan's order (${order.join(' ')})`);
  }
});

t.test('proxy and redirect: a server out changes the dispatcher\'s marks only; the front\'s program and its steering stay', async (t) => {
  for (const name of ['proxy', 'proxy-nginx', 'redirect']) {
    const topology = shipped(name);
    const start = initialClusterState(topology);
    const down = planChanges(topology, start, { ...start, alive: [0, 2, 3] });
    t.same(down.map((c) => c.node), ['dispatcher'], `${name}: only the dispatcher changes`);
    t.same(down.flatMap((c) => c.steps.map((s) => `${s.kind}:${s.part}`)), ['load:dispatch'], `${name}: only its dispatch marks, no process restarted`);
    const plan = planOf(topology).nodes.find((p) => p.node === 'dispatcher')!;
    const process = plan.steps.find((s) => s.kind === 'process');
    t.ok(process && process.kind === 'process' && process.part === undefined, `${name}: the front is a process step outside the dispatch part`);
    const steering = plan.steps.find((s) => s.kind === 'load' && s.text.startsWith('*nat'));
    for (const s of topology.servers) t.match(steering && 'text' in steering ? steering.text : '', `--mark ${s.index + 1} -m comment --comment "to ${s.name}: front port ${8001 + s.index}" -j DNAT --to-destination ${topology.ghost}:${8001 + s.index}`, `${name}: mark ${s.index + 1} goes to port ${8001 + s.index}`);
  }
});
