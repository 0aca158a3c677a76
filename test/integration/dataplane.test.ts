// ONE-IP dataplane on real kernels: every client address lands on the server the model predicts, in both schemes and both functions.
import t from 'tap';
import { paperSingleFailure } from '../../src/dispatch/modulo.js';
import { readCounters } from '../../src/lab/counters.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { ipToInt } from '../../src/net/ipv4.js';
import { nodeSteps } from '../../src/lab/failures.js';
import { GHOST_SENT_COMMENT } from '../../src/schemes/base.js';
import { backendCases, changeAlive, clientAddresses, packets, perServerCounts, ghostMap, predicted, startLab, udpBurst } from '../helpers/lab-fixture.js';

const POPULATION = '198.18.128.0/17';

function mismatches(lab: RunningLab, answers: Map<string, string>): string[] {
  return [...answers].filter(([from, server]) => server !== predicted(lab, from)).map(([from, server]) => `${from}: ${server}, model ${predicted(lab, from)}`);
}

/** scheme, function, lab name, and where the routing scheme dispatches (paper 4: a dispatcher node, or the router itself) */
const combos = [
  ['routing', 'modulo', 'dprm', 'node'],
  ['routing', 'table', 'dprt', 'node'],
  ['routing', 'modulo', 'b15rm', 'router'],
  ['routing', 'table', 'b15rt', 'router'],
  ['broadcast', 'modulo', 'dpbm', 'node'],
  ['broadcast', 'table', 'dpbt', 'node'],
] as const;

for (const { backend, skip } of await backendCases()) for (const [scheme, fn, name, dispatcher] of combos) {
  const where = dispatcher === 'router' ? ', dispatch in the router' : '';
  t.test(`${backend}: ${scheme} scheme, ${fn} function, 4 servers${where}`, { skip }, async (t) => {
    const lab = await startLab(t, `${name}${backend[0]}`, `scheme: ${scheme}\nservers: 4\ndispatch: {function: ${fn}}\ndispatcher: ${dispatcher}\n`, backend);
    if (dispatcher === 'router') t.same(lab.state.topology.nodes.map((n) => n.role).filter((r) => r === 'dispatcher'), [], 'no dispatcher node');
    const redirects0 = (await readCounters(lab, 'router')).snmp['Icmp.OutRedirects'] ?? 0;
    const froms = clientAddresses(POPULATION, 256);
    t.equal(new Set(froms).size, 256, '256 distinct client addresses');

    const before = await ghostMap(lab, froms);
    t.same(mismatches(lab, before), [], 'every client address is served by the predicted server');
    t.same(new Set(before.values()), new Set(['s0', 's1', 's2', 's3']), 'every server serves some clients');

    // exact accounting: one UDP datagram per client address
    const router0 = packets(await readCounters(lab, 'router'), GHOST_SENT_COMMENT);
    const counts0 = await perServerCounts(lab);
    const sent = await udpBurst(lab, froms);
    const router1 = packets(await readCounters(lab, 'router'), GHOST_SENT_COMMENT);
    const counts1 = await perServerCounts(lab);
    const expected: Record<string, number> = { s0: 0, s1: 0, s2: 0, s3: 0 };
    for (const from of froms) expected[predicted(lab, from)]!++;
    const got = Object.fromEntries(Object.keys(counts1).map((s) => [s, counts1[s]! - counts0[s]!]));
    t.equal(router1 - router0, sent, `the router put ${sent} ghost packets on the LAN`);
    t.same(got, expected, scheme === 'broadcast' ? 'each server accepted exactly the packets of its own clients' : 'the dispatcher sent each server exactly its clients\' packets');
    t.equal(Object.values(got).reduce((a, b) => a + b, 0), sent, 'exactly one server took each packet');
    if (dispatcher === 'router') t.equal(((await readCounters(lab, 'router')).snmp['Icmp.OutRedirects'] ?? 0) - redirects0, 0, 'the router, dispatching, sent no ICMP redirect');

    // failure of s2: only s2's clients move, as the formula says; restoring gives the original mapping back
    await changeAlive(lab, ['s2'], []);
    const during = await ghostMap(lab, froms);
    t.same(mismatches(lab, during), [], 'with s2 down, every client address is served by the predicted server');
    const moved = froms.filter((f) => during.get(f) !== before.get(f));
    t.same(moved, froms.filter((f) => before.get(f) === 's2'), 'exactly s2\'s former clients moved');
    if (fn === 'modulo') {
      const formula = froms.filter((f) => before.get(f) === 's2').filter((f) => during.get(f) !== `s${paperSingleFailure(ipToInt(f), 4, 2)}`);
      t.same(formula, [], "s2's clients went to S_j, j = CA mod 3, S_j if j < 2 else S_(j+1) (paper 6.3)");
    }
    const spread = new Set(moved.map((f) => during.get(f)));
    t.same(spread, new Set(['s0', 's1', 's3']), "s2's clients spread over all three other servers");
    await changeAlive(lab, [], ['s2']);
    const after = await ghostMap(lab, froms);
    t.same([...after], [...before], '--up s2 restores the original mapping');
  });
}

for (const { backend, skip } of await backendCases()) {
  for (const [scheme, fn, name, dispatcher] of [['routing', 'modulo', 'idrm', 'node'], ['routing', 'table', 'b15ir', 'router'], ['broadcast', 'table', 'idbt', 'node']] as const) {
    t.test(`${backend}: ${scheme}/${fn} (dispatcher: ${dispatcher}) plans can be applied again on a running lab (what revive does): nothing changes`, { skip }, async (t) => {
      const lab = await startLab(t, `${name}${backend[0]}`, `scheme: ${scheme}\nservers: 3\ndispatch: {function: ${fn}}\ndispatcher: ${dispatcher}\n`, backend);
      const froms = clientAddresses(POPULATION, 32);
      const before = await ghostMap(lab, froms);
      const rules = async (): Promise<string> => (await Promise.all(lab.state.topology.nodes.map((n) => lab.exec(n.name, ['sh', '-c', 'ip rule; ip route show table all; ip addr; nft list ruleset | grep -v counter']).then((r) => r.stdout)))).join('\n');
      const config = await rules();
      // exactly what `revive` applies to each node: its whole plan for the cluster as it is now
      await Promise.all(lab.state.topology.nodes.map((n) => lab.applySteps(n.name, nodeSteps(lab, n.name))));
      t.equal(await rules(), config, 'addresses, rules, routes and rulesets are the same after applying the plan again');
      t.same([...(await ghostMap(lab, froms))], [...before], 'every client lands where it did');
    });
  }
}
