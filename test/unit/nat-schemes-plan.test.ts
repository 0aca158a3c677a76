// Plans of the nat and tcp-router schemes (paper section 2's peers): what each node holds, the FTP helper switch, and what a change touches.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderNodePlan, renderSteps, type LabPlan, type NodePlan } from '../../src/plan/types.js';
import { initialClusterState } from '../../src/schemes/cluster-state.js';
import { planChanges, planLab } from '../../src/schemes/plan-lab.js';
import { parseTopology } from '../../src/topology-file/load.js';
import { resizeTopology } from '../../src/topology-file/resize.js';
import type { Topology } from '../../src/topology/types.js';
import { ROOT } from '../helpers/cli.js';

const topo = (yaml: string): Topology => parseTopology(`name: nx\n${yaml}`, '<nat-schemes>');
const planOf = (t: Topology): LabPlan => planLab(t, initialClusterState(t));
const node = (plan: LabPlan, name: string): NodePlan => plan.nodes.find((p) => p.node === name)!;
const text = (p: NodePlan): string => renderNodePlan(p);

for (const fn of ['modulo', 'table']) {
  t.test(`nat (${fn}): servers private and without the ghost, replies through the dispatcher, DNAT by the dispatch mark`, async (t) => {
    const top = topo(`scheme: nat\nservers: 4\ndispatch: {function: ${fn}}\n`);
    const plan = planOf(top);
    for (const s of top.servers) {
      const p = text(node(plan, s.name));
      t.notMatch(p, '10.0.0.100', `${s.name} does not carry the ghost`);
      t.match(p, 'ip route replace 198.18.128.0/17 via 10.0.1.2 dev lan', `${s.name} routes the population via the dispatcher`);
      t.match(p, 'ip route replace 198.18.0.0/24 via 10.0.1.2 dev lan', `${s.name} routes the client link via the dispatcher`);
      t.notMatch(p, /nft|iptables/, `${s.name} has no rules of its own`);
    }
    const d = text(node(plan, 'dispatcher'));
    t.match(d, 'dnat to meta mark map { 1 : 10.0.1.10, 2 : 10.0.1.11, 3 : 10.0.1.12, 4 : 10.0.1.13 }', 'the dispatcher DNATs mark k+1 to S_k');
    t.match(d, 'type nat hook prerouting priority dstnat', 'in nat PREROUTING, after the marks (mangle)');
    t.match(d, fn === 'modulo' ? /--set-mark 4\b/ : /meta mark set jhash/, "the marks are the function's markRules");
    t.match(d, /ip route replace 198\.18\.128\.0\/17 via 10\.0\.1\.1 dev lan/, 'the dispatcher sends un-NATed replies on to the router');
    t.notMatch(d, 'ct helper', 'the FTP helper is off by default');
    t.notMatch(d, /ip rule|table 10\d/, 'no policy routing: the destination address itself leads to the server');
    const r = text(node(plan, 'router'));
    t.match(r, 'ip route replace 10.0.0.100/32 via 10.0.1.2 dev lan', 'the router routes the ghost to the dispatcher');
    t.match(r, 'iifname "cl" ip daddr 10.0.1.0/24 counter drop', 'the router forwards nothing from the client side to the LAN');
    t.match(r, /chain forward \{\n\s+type filter hook forward priority filter;/, 'in the forward hook');
    t.notMatch(r, /hook (output|input)/, 'only forwarded traffic: the router\'s own probes still reach the servers');
  });
}

t.test('nat: ftp-helper true adds an explicit ct helper and the rule on the control connection\'s original destination', async (t) => {
  const on = text(node(planOf(topo('scheme: nat\nnat: {ftp-helper: true}\n')), 'dispatcher'));
  t.match(on, 'ct helper ftp-std { type "ftp" protocol tcp; }');
  t.match(on, 'ct original ip daddr 10.0.0.100 tcp dport 21 ct helper set "ftp-std"');
  const golden = join(ROOT, 'test', 'fixtures', 'plans', 'nat-ftp-helper.txt');
  const all = planOf(topo('scheme: nat\nnat: {ftp-helper: true}\n')).nodes.map(renderNodePlan).join('\n\n') + '\n';
  if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, all);
  t.equal(all, readFileSync(golden, 'utf8'), `the plan equals ${golden}`);
  const off = planOf(topo('scheme: nat\nnat: {ftp-helper: false}\n'));
  t.notMatch(off.nodes.map(renderNodePlan).join('\n'), /ct helper|dport 21/, 'false: no helper anywhere');
});

t.test('tcp-router: notrack and a stateless destination rewrite on the dispatcher, one reply rule per server', async (t) => {
  const top = topo('scheme: tcp-router\nservers: 3\n');
  const plan = planOf(top);
  const d = text(node(plan, 'dispatcher'));
  t.match(d, /type filter hook prerouting priority raw;.*\n\s+ip daddr 10\.0\.0\.100 notrack/, 'ghost packets are untracked before conntrack');
  t.match(d, 'priority mangle + 10', 'the rewrite runs after the marks');
  t.match(d, 'ip daddr 10.0.0.100 ct state untracked ip daddr set meta mark map { 1 : 10.0.1.10, 2 : 10.0.1.11, 3 : 10.0.1.12 }');
  t.notMatch(d, /\bdnat\b|\bsnat\b|masquerade/, 'no conntrack NAT');
  for (const s of top.servers) {
    const p = text(node(plan, s.name));
    t.notMatch(p, 'ip addr replace 10.0.0.100', `${s.name} does not carry the ghost`);
    const rules = p.split('\n').filter((l) => l.includes('ip saddr set'));
    t.same(rules, [`    ip saddr ${s.address} ip daddr { 198.18.0.2, 198.18.128.0/17 } ip saddr set 10.0.0.100 counter comment "reply source rewritten to the ghost"`], `${s.name}: one rule rewrites its replies to clients`);
    t.match(p, 'ip route replace 198.18.128.0/17 via 10.0.1.1 dev lan', `${s.name} replies straight to the router`);
  }
  const r = text(node(plan, 'router'));
  t.equal(node(plan, 'router').sysctls['net.ipv4.conf.all.rp_filter'], '0', 'the router takes ghost-sourced replies from the LAN');
  t.notMatch(r, 'oneip_private', 'no private LAN: the servers are reachable (their replies to clients carry the ghost)');
});

for (const scheme of ['nat', 'tcp-router']) {
  t.test(`${scheme}: a server out or back changes only the dispatcher's dispatch part; a scale adds the address map before the marks`, async (t) => {
    const top = topo(`scheme: ${scheme}\nservers: 4\n`);
    const start = initialClusterState(top);
    const down = planChanges(top, start, { ...start, alive: [0, 1, 3] });
    t.same(down.map((c) => c.node), ['dispatcher'], 'a server out changes the dispatcher only');
    t.same(down.flatMap((c) => c.steps.map((s) => s.part)), ['dispatch'], 'and only its marks');
    t.notMatch(renderSteps(down[0]!.steps), /to s2"/, 'no mark leads to s2 any more');
    const bigger = resizeTopology(top, 5);
    const grow = planChanges(top, start, { ...start, alive: [0, 1, 2, 3, 4] }, bigger);
    const dispatcher = grow.find((c) => c.node === 'dispatcher')!;
    const map = dispatcher.steps.findIndex((s) => s.kind === 'load' && s.text.includes('5 : 10.0.1.14'));
    const marks = dispatcher.steps.findIndex((s) => s.part === 'dispatch');
    t.ok(map >= 0 && marks > map, 'the new server\'s map entry is loaded before any packet gets its mark');
    t.ok(grow.some((c) => c.node === 's4'), 'the new server gets its whole plan');
  });
}
