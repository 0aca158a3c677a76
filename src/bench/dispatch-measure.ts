// One dispatcher-rate measurement in a running lab: prepare the nodes, flood from the client, diff kernel counters and CPU time.
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertOk } from '../backends/backend.js';
import { builtScript } from '../util/paths.js';
import { parseSnmpAll } from '../lab/counters.js';
import type { RunningLab } from '../lab/running-lab.js';
import { nthAddress, parseCidr, intToIp } from '../net/ipv4.js';
import type { FloodResult } from './udp-flood.js';

/** split: sender pinned to CPU 0, the dispatcher's receive steered (RPS) to the last CPU; shared: senders and the whole path on every CPU. */
export type Mode = 'split' | 'shared';

export interface FloodPlan {
  mode: Mode;
  seconds: number;
  procs: number;
  sources: number;
  /** CPU the dispatcher's packets are processed on (split mode) */
  dispatcherCpu: number;
}

export interface Trial {
  offeredPps: number;
  routerPps: number;
  /** the dispatcher's forwarded datagrams (broadcast: the router's, each one copy per server) */
  forwardedPps: number;
  lossPct: number;
  /** split: softirq CPU time of the dispatcher's CPU per forwarded packet; shared: CPU time of the senders and ksoftirqd per forwarded packet */
  cpuUsPerPacket: number;
  /** CPU seconds the measured work got per wall-clock second (at most 1 in split mode, the CPU count in shared mode) */
  cpusUsed: number;
  /** share of the senders' CPU time spent in user space, i.e. in the sender itself rather than the kernel path */
  senderUserPct: number;
}

/** /proc/stat and /proc/PID/stat count in USER_HZ, 100 on Linux. */
const USER_HZ = 100;
const SINK_TABLE = 'benchdsp_sink';

export function taskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

async function snmp(lab: RunningLab, node: string): Promise<Record<string, number>> {
  return parseSnmpAll(assertOk(node, 'reading /proc/net/snmp', await lab.exec(node, ['cat', '/proc/net/snmp'])).stdout);
}

/** Softirq ticks of one CPU (field 7 of its /proc/stat line). */
async function softirqTicks(cpu: number): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  return Number(line?.split(/\s+/)[7] ?? 0);
}

/** utime + stime ticks of every ksoftirqd thread: packet work the kernel deferred out of the senders' context. */
async function ksoftirqdTicks(): Promise<number> {
  let ticks = 0;
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \(ksoftirqd\/\d+\) (.*)$/.exec(stat.trim());
    if (!m) continue;
    const fields = m[1]!.split(' '); // from field 3 (state) on: utime and stime are fields 14 and 15
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Servers drop the flood before their UDP stack: no socket lookup, no (rate-limited) ICMP port unreachable back. */
function sinkRuleset(): string {
  return `table ip ${SINK_TABLE} {\n  chain prerouting {\n    type filter hook prerouting priority raw; policy accept;\n    udp dport 9 drop\n  }\n}\n`;
}

/** Installs the server sinks and, in split mode, steers the dispatcher's received packets to its own CPU. */
export async function prepareLab(lab: RunningLab, plan: FloodPlan): Promise<void> {
  const t = lab.state.topology;
  await Promise.all(t.servers.map(async (s) => assertOk(s.name, 'installing the sink', await lab.exec(s.name, ['nft', '-f', '-'], sinkRuleset()))));
  if (plan.mode !== 'split' || t.dispatchers.length === 0) return;
  const mask = (1 << plan.dispatcherCpu).toString(16);
  const d = t.dispatchers[0]!.name;
  assertOk(d, 'setting RPS', await lab.exec(d, ['sh', '-c', `echo ${mask} > /sys/class/net/lan/queues/rx-0/rps_cpus`]));
}

/** Runs the sender in the client node and returns its JSON. */
export async function flood(lab: RunningLab, plan: FloodPlan, seconds: number): Promise<FloodResult> {
  const t = lab.state.topology;
  const first = intToIp(nthAddress(parseCidr(t.clientPopulation), 1));
  const argv = [process.execPath, builtScript('bench/udp-flood'), '--target', t.ghost, '--first', first];
  argv.push('--sources', String(plan.sources), '--seconds', String(seconds), '--procs', String(plan.procs));
  if (plan.mode === 'split') argv.push('--cpus', '0');
  const r = assertOk(t.client.name, 'the UDP flood', await lab.backend.exec(t.client.name, argv, { timeoutMs: seconds * 1000 + 30_000 }));
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as FloodResult;
}

interface Snapshot {
  client: Record<string, number>;
  router: Record<string, number>;
  dispatcher: Record<string, number>;
  /** softirq ticks of the dispatcher's CPU (split) or ksoftirqd ticks (shared) */
  ticks: number;
}

async function snapshot(lab: RunningLab, plan: FloodPlan): Promise<Snapshot> {
  const t = lab.state.topology;
  // broadcast has no dispatcher: what the router put on the LAN is what was dispatched
  const forwarder = t.dispatchers[0]?.name ?? t.router.name;
  const [client, router, dispatcher] = await Promise.all([snmp(lab, t.client.name), snmp(lab, t.router.name), snmp(lab, forwarder)]);
  const ticks = plan.mode === 'split' ? await softirqTicks(plan.dispatcherCpu) : await ksoftirqdTicks();
  return { client, router, dispatcher, ticks };
}

/** Floods for plan.seconds and turns the counter differences into rates. */
export async function measure(lab: RunningLab, plan: FloodPlan): Promise<Trial> {
  const before = await snapshot(lab, plan);
  const sent = await flood(lab, plan, plan.seconds);
  await sleep(200); // let queued packets drain
  const after = await snapshot(lab, plan);
  const delta = (node: 'client' | 'router' | 'dispatcher', field: string): number => after[node][field]! - before[node][field]!;
  const offered = delta('client', 'Udp.OutDatagrams');
  const forwarded = delta('dispatcher', 'Ip.ForwDatagrams');
  const tickSeconds = (after.ticks - before.ticks) / USER_HZ;
  const cpuSeconds = plan.mode === 'split' ? tickSeconds : sent.cpuSeconds + tickSeconds;
  return {
    offeredPps: offered / sent.seconds,
    routerPps: delta('router', 'Ip.ForwDatagrams') / sent.seconds,
    forwardedPps: forwarded / sent.seconds,
    lossPct: offered > 0 ? (100 * (offered - forwarded)) / offered : 0,
    cpuUsPerPacket: forwarded > 0 ? (1e6 * cpuSeconds) / forwarded : NaN,
    cpusUsed: cpuSeconds / sent.seconds,
    senderUserPct: (100 * sent.userSeconds) / sent.cpuSeconds,
  };
}
