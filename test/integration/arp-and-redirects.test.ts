// What Linux does with the paper's two side problems: ICMP redirects from the dispatcher (4.1) and the ghost's ARP entry (5.1).
import t, { type Test } from 'tap';
import { readCounters } from '../../src/lab/counters.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { PKTTYPE_TABLE } from '../../src/schemes/broadcast.js';
import { backendCases, clientAddresses, ghostMap, predicted, startLab } from '../helpers/lab-fixture.js';

const froms = clientAddresses('198.18.128.0/17', 64);
const cases = await backendCases();

/** The ARP experiments rewrite arp_announce in /proc/sys, which is read-only inside unprivileged containers. */
function procSysReadOnly(backend: string): string | false {
  return backend === 'docker' ? '/proc/sys is read-only in containers (same kernel: the netns run shows it)' : false;
}

async function redirectsSent(lab: RunningLab): Promise<number> {
  return (await readCounters(lab, 'dispatcher')).snmp['Icmp.OutRedirects'] ?? 0;
}

interface Neighbour {
  dst: string;
  lladdr?: string;
  state: string[];
}

async function neighbour(lab: RunningLab, address: string): Promise<Neighbour | undefined> {
  const r = await lab.exec('router', ['ip', '-j', 'neigh', 'show', address, 'dev', 'lan']);
  return (JSON.parse(r.stdout || '[]') as Neighbour[])[0];
}

async function allLandRight(t: Test, lab: RunningLab, what: string): Promise<void> {
  const answers = await ghostMap(lab, froms);
  t.same([...answers].filter(([f, s]) => s !== predicted(lab, f)), [], `${what}: every client still lands on the predicted server`);
}

/** Servers announce the ghost in their own ARP requests (arp_announce=0), and forget the router's MAC so they must ask again. */
async function serversAnnounceGhost(lab: RunningLab): Promise<void> {
  for (const s of lab.state.topology.servers) {
    const script = 'for i in all lan; do echo 0 > /proc/sys/net/ipv4/conf/$i/arp_announce; done; ip neigh flush dev lan';
    await lab.exec(s.name, ['sh', '-c', script]);
  }
}

/** The router itself (a source on the LAN) fetches from the ghost. */
async function routerGetsGhost(t: Test, lab: RunningLab): Promise<void> {
  const [r] = await lab.probe('router', [`http://${lab.state.topology.ghost}/`]);
  t.ok(r?.ok, `the router itself reaches the ghost (${r?.servedBy ?? r?.error})`);
}

for (const { backend, skip } of cases) t.test(`${backend}: routing scheme, redirects suppressed: 0 ICMP redirects, and nobody answers ARP for the ghost`, { skip }, async (t) => {
  const lab = await startLab(t, `rdsup${backend[0]}`, 'scheme: routing\nservers: 4\n', backend);
  const before = await redirectsSent(lab);
  await allLandRight(t, lab, 'suppressed');
  await routerGetsGhost(t, lab);
  t.equal((await redirectsSent(lab)) - before, 0, 'the dispatcher sent no ICMP redirect, not even for the router\'s own packets');
  const ghost = await lab.exec('router', ['arping', '-c', '2', '-w', '2', '-I', 'lan', lab.state.topology.ghost]);
  t.not(ghost.exitCode, 0, 'arping the ghost on the LAN gets no answer');
  t.match(ghost.stdout, /Received 0 response/);
  const control = await lab.exec('router', ['arping', '-c', '1', '-w', '2', '-I', 'lan', lab.state.topology.servers[0]!.address]);
  t.equal(control.exitCode, 0, 'control: arping s0\'s primary address gets an answer');
});

for (const { backend, skip } of cases) t.test(`${backend}: routing scheme, redirects: allow: the dispatcher sends ICMP redirects (paper 4.1)`, { skip }, async (t) => {
  const lab = await startLab(t, `rdall${backend[0]}`, 'scheme: routing\nservers: 4\nredirects: allow\n', backend);
  const before = await redirectsSent(lab);
  await allLandRight(t, lab, 'redirects allowed');
  t.equal((await redirectsSent(lab)) - before, 0, 'Linux sends no redirect for forwarded client packets: their source is not on the LAN (RFC 1812)');
  await routerGetsGhost(t, lab);
  t.ok((await redirectsSent(lab)) - before > 0, 'the router\'s own packets to the ghost make the dispatcher send ICMP redirects (IcmpOutRedirects grew)');
  const route = await lab.exec('router', ['ip', 'route', 'get', lab.state.topology.ghost]);
  t.match(route.stdout, /via 10\.0\.1\.2 /, 'a forwarding Linux router ignores the redirect (accept_redirects is off in "all"): the ghost still goes via the dispatcher');
});

for (const { backend, skip } of cases) t.test(`${backend}: broadcast scheme, arp: ghost1: the ghost1 entry is never overwritten; a learned ghost entry is harmless`, { skip: skip || procSysReadOnly(backend) }, async (t) => {
  // no watchd: its probes make the router ARP for every server first, so the servers learn the router from those
  // requests and never ARP for it themselves (with the ghost as sender), which is what this test watches
  const lab = await startLab(t, `arpg1${backend[0]}`, 'scheme: broadcast\nservers: 4\narp: ghost1\nwatchd: {enabled: false}\n', backend);
  const ghostArp = await lab.exec('router', ['arping', '-c', '2', '-w', '2', '-I', 'lan', lab.state.topology.ghost]);
  t.match(ghostArp.stdout, /Received 0 response/, 'no server answers ARP for the ghost');
  await allLandRight(t, lab, 'arp_announce=2');
  t.equal(await neighbour(lab, lab.state.topology.ghost), undefined, 'with arp_announce=2 the router never learns an entry for the ghost');
  await serversAnnounceGhost(lab);
  await allLandRight(t, lab, 'arp_announce=0');
  const learned = await neighbour(lab, lab.state.topology.ghost);
  t.ok(learned?.lladdr && learned.lladdr !== 'ff:ff:ff:ff:ff:ff', `with arp_announce=0 the router learns the ghost at a server's MAC (${learned?.lladdr}): the paper's overwrite`);
  const g1 = await neighbour(lab, lab.state.topology.ghost1);
  t.same([g1?.lladdr, g1?.state], ['ff:ff:ff:ff:ff:ff', ['PERMANENT']], 'ghost1 still maps to the broadcast address');
});

for (const { backend, skip } of cases) t.test(`${backend}: broadcast scheme, arp: direct: a permanent entry on the ghost itself is never overwritten by Linux`, { skip: skip || procSysReadOnly(backend) }, async (t) => {
  const lab = await startLab(t, `arpdir${backend[0]}`, 'scheme: broadcast\nservers: 4\narp: direct\n', backend);
  await serversAnnounceGhost(lab);
  await allLandRight(t, lab, 'arp: direct, arp_announce=0');
  const g = await neighbour(lab, lab.state.topology.ghost);
  t.same([g?.lladdr, g?.state], ['ff:ff:ff:ff:ff:ff', ['PERMANENT']], 'the ghost still maps to ff:ff:ff:ff:ff:ff PERMANENT after servers announced it');
});

for (const { backend, skip } of cases) t.test(`${backend}: broadcast scheme without the pkt_type fix: Linux TCP drops link-layer broadcast segments`, { skip }, async (t) => {
  const lab = await startLab(t, `pktt${backend[0]}`, 'scheme: broadcast\nservers: 2\n', backend);
  const few = froms.slice(0, 4);
  const withFix = await ghostMap(lab, few);
  t.same([...withFix.values()].filter((s) => s.startsWith('error')), [], 'with the fix every connection works');
  for (const s of lab.state.topology.servers) await lab.exec(s.name, ['nft', 'delete', 'table', 'ip', PKTTYPE_TABLE]);
  const without = await ghostMap(lab, few);
  t.same([...without.values()].filter((s) => !s.startsWith('error')), [], `without it no connection succeeds (${[...new Set(without.values())].join(', ')})`);
});

