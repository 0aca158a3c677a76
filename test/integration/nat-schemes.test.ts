// The paper's section 2 peers on real kernels: NAT (conntrack DNAT, private servers) and IBM's TCP router (stateless rewrite), on netns and Docker.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { killNode, reviveNode } from '../../src/lab/failures.js';
import { holdConnections, type HeldConnection } from '../../src/lab/held-connections.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { cidrContains, ipToInt, parseCidr } from '../../src/net/ipv4.js';
import { waitFor } from '../../src/util/poll.js';
import { backendCases, changeAlive, clientAddresses, ghostMap, perServerCounts, predicted, startLab, udpBurst } from '../helpers/lab-fixture.js';

const POPULATION = '198.18.128.0/17';
/** Networks of their own: Docker bridge networks of two labs may not overlap, and other suites use the defaults. */
const NETS = 'lan: 10.0.113.0/24\nclient: {link: 198.18.113.0/24}\n';

/** One line of /proc/net/nf_conntrack: the protocol and the original and reply tuples' addresses. */
interface CtEntry {
  proto: string;
  src: string;
  dst: string;
  replySrc: string;
  replyDst: string;
}

/** The dispatcher's conntrack table, read from /proc/net/nf_conntrack in its network namespace. */
async function conntrack(lab: RunningLab, node: string): Promise<CtEntry[]> {
  const r = await lab.exec(node, ['cat', '/proc/net/nf_conntrack']);
  if (r.exitCode !== 0) throw new Error(`${node}: cannot read /proc/net/nf_conntrack: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const srcs = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dsts = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    return { proto: line.split(/\s+/)[2]!, src: srcs[0]!, dst: dsts[0]!, replySrc: srcs[1]!, replyDst: dsts[1]! };
  });
}

function mismatches(lab: RunningLab, answers: Map<string, string>): string[] {
  return [...answers].filter(([from, server]) => server !== predicted(lab, from)).map(([from, server]) => `${from}: ${server}, model ${predicted(lab, from)}`);
}

const address = (lab: RunningLab, name: string): string => lab.state.topology.servers.find((s) => s.name === name)!.address;

/** Holds keep-alive connections from `clients` across a change that takes `server` out, and puts it back; returns the connections' records and who serves those clients afterwards. */
async function acrossChange(lab: RunningLab, clients: string[], server: string): Promise<{ held: HeldConnection[]; after: Map<string, string>; wrong: string[] }> {
  const holding = await holdConnections(lab, clients, 100);
  await sleep(500);
  await changeAlive(lab, [server], []);
  await sleep(1500);
  const after = await ghostMap(lab, clients);
  const wrong = mismatches(lab, after);
  const held = await holding.stop();
  await changeAlive(lab, [], [server]);
  return { held, after, wrong };
}

/** Waits until watchd has taken `server` out of the function (`out`) or put it back. */
async function watchdHas(lab: RunningLab, server: string, out: boolean): Promise<void> {
  const k = lab.state.topology.servers.find((s) => s.name === server)!.index;
  await waitFor(`watchd to put ${server} ${out ? 'out of' : 'back into'} the function of lab ${lab.name}`, async () => ((await lab.refresh()).alive.includes(k) === !out ? true : undefined), 20000, 100);
}

/** scheme, function, ftp-helper (nat only), lab name stem */
const combos = [
  ['nat', 'modulo', false, 'hnnm'],
  ['nat', 'table', true, 'hnnt'],
  ['tcp-router', 'modulo', undefined, 'hntr'],
] as const;

for (const { backend, skip } of await backendCases()) for (const [scheme, fn, ftp, stem] of combos) {
  const helper = ftp === undefined ? '' : `, ftp-helper ${ftp}`;
  t.test(`${backend}: ${scheme} scheme, ${fn} function${helper}, 4 servers`, { skip }, async (t: Test) => {
    const nat = ftp === undefined ? '' : `nat: {ftp-helper: ${ftp}}\n`;
    const lab = await startLab(t, `${stem}${backend[0]}`, `scheme: ${scheme}\nservers: 4\ndispatch: {function: ${fn}}\n${nat}${NETS}`, backend);
    const ghost = lab.state.topology.ghost;
    const froms = clientAddresses(POPULATION, 256);
    t.equal(new Set(froms).size, 256, '256 distinct client addresses');

    const before = await ghostMap(lab, froms);
    t.same(mismatches(lab, before), [], 'every client address is served by the server the model predicts');
    t.same(new Set(before.values()), new Set(['s0', 's1', 's2', 's3']), 'every server serves some clients');

    // the dispatcher's state
    const table = await conntrack(lab, 'dispatcher');
    if (scheme === 'nat') {
      const missing = froms.filter((f) => !table.some((e) => e.proto === 'tcp' && e.src === f && e.dst === ghost && e.replySrc === address(lab, predicted(lab, f)) && e.replyDst === f));
      t.same(missing, [], 'conntrack on the dispatcher holds a connection of every client, translated to its predicted server');
    } else {
      const population = parseCidr(POPULATION);
      const ghostTraffic = table.filter((e) => [e.src, e.dst, e.replySrc, e.replyDst].some((a) => a === ghost || cidrContains(population, ipToInt(a))));
      t.same(ghostTraffic, [], 'the dispatcher holds no conntrack entry of ghost traffic');
      t.ok(table.length > 0, `conntrack is on in the dispatcher (${table.length} entries of other traffic, watchd's probes through it): the absence means something`);
    }

    // private servers (nat): no client reaches a primary address; the router's own probes do
    if (scheme === 'nat') {
      const primaries = lab.state.topology.servers.map((s) => `http://${s.address}/`);
      const direct = await lab.probe('client', primaries, [froms[0]!], 1500);
      t.same(direct.filter((r) => r.ok).map((r) => r.url), [], 'no server answers a client at its private address');
      const fromRouter = await lab.probe('router', primaries, [], 3000);
      t.same(fromRouter.map((r) => r.servedBy), ['s0', 's1', 's2', 's3'], "the router's own probes (watchd's) still reach every server");
    }

    // exact accounting: one UDP datagram per client address, counted per server by the dispatch rules
    const counts0 = await perServerCounts(lab);
    const sent = await udpBurst(lab, froms);
    const counts1 = await perServerCounts(lab);
    const expected: Record<string, number> = { s0: 0, s1: 0, s2: 0, s3: 0 };
    for (const from of froms) expected[predicted(lab, from)]!++;
    t.same(Object.fromEntries(Object.keys(counts1).map((s) => [s, counts1[s]! - counts0[s]!])), expected, `the dispatcher counted each server's ${sent} datagrams exactly`);

    // FTP helper rules only with nat.ftp-helper: true
    const rules = (await lab.exec('dispatcher', ['nft', 'list', 'ruleset'])).stdout;
    if (ftp === true) {
      t.match(rules, /ct helper ftp-std \{\s+type "ftp" protocol tcp/, 'the dispatcher has the ftp helper object');
      t.match(rules, `ct original ip daddr ${ghost} tcp dport 21 ct helper set "ftp-std"`, 'and the rule that attaches it to control connections');
    } else {
      t.notMatch(rules, /ct helper|dport 21/, 'no FTP helper rules');
    }

    // a server out: only its clients move, as the model says; back: the original mapping
    await changeAlive(lab, ['s2'], []);
    const during = await ghostMap(lab, froms);
    t.same(mismatches(lab, during), [], 'with s2 out, every client address is served by the predicted server');
    t.same(froms.filter((f) => during.get(f) !== before.get(f)), froms.filter((f) => before.get(f) === 's2'), "exactly s2's former clients moved");
    await changeAlive(lab, [], ['s2']);
    t.same([...(await ghostMap(lab, froms))], [...before], 's2 back: the original mapping');

    // watchd's failover: s3 killed is taken out through the same path, and its clients land where the model says
    await killNode(lab, 's3');
    await watchdHas(lab, 's3', true);
    const failed = await ghostMap(lab, froms);
    t.same(mismatches(lab, failed), [], 'watchd took the killed s3 out: every client is served by the predicted server');
    t.same(froms.filter((f) => failed.get(f) !== before.get(f)), froms.filter((f) => before.get(f) === 's3'), "exactly s3's former clients moved");
    await reviveNode(lab, 's3');
    await watchdHas(lab, 's3', false);
    t.same([...(await ghostMap(lab, froms))], [...before], 's3 revived and put back by watchd: the original mapping');

    // open connections across a change: nat keeps them on their DNAT target, tcp-router resets them
    const mine = froms.filter((f) => before.get(f) === 's1').slice(0, 8);
    const { held, after, wrong } = await acrossChange(lab, mine, 's1');
    t.equal(held.length, mine.length, `${mine.length} keep-alive connections of s1's clients were held across s1 going out`);
    t.same([...after].filter(([, s]) => s === 's1'), [], "new connections of s1's clients went elsewhere");
    t.same(wrong, [], '...to the servers the model predicts with s1 out');
    if (scheme === 'nat') {
      t.same(held.filter((h) => h.broken !== null || h.served.join() !== 's1').map((h) => `${h.client}: ${h.served.join('>')} ${h.broken ?? ''}`), [], 'every open connection stayed on s1 unbroken: conntrack keeps its DNAT target, the change moved only new connections');
    } else {
      t.same(held.filter((h) => h.broken === null).map((h) => h.client), [], "every open connection of a moved client broke: the new server knows nothing of it (the dispatcher holds no state)");
    }
  });
}
