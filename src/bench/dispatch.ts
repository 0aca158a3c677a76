// Benchmark (not a test): dispatcher forwarding rate of routing labs with 2..64 servers, `modulo` (iptables bpf) vs `table` (nft jhash map).
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { table } from '../present/output.js';
import { downLab } from '../lab/down.js';
import { upLab } from '../lab/up.js';
import { parseTopology } from '../topology-file/load.js';
import type { DispatchFunctionName } from '../topology/types.js';
import { flood, measure, prepareLab, taskset, type FloodPlan, type Mode, type Trial } from './dispatch-measure.js';

const LAB = 'bdsp';
const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '2,8,32,64' },
    functions: { type: 'string', default: 'modulo,table' },
    seconds: { type: 'string', default: '3' },
    trials: { type: 'string', default: '3' },
    /** shared (default): the senders drive the whole path on every CPU; split: the dispatcher gets a CPU of its own */
    mode: { type: 'string', default: 'shared' },
    procs: { type: 'string' },
    sources: { type: 'string', default: '256' },
    /** broadcast: per-server CPU per ghost packet for these n (empty: skip) */
    'broadcast-servers': { type: 'string', default: '2,8,32' },
    'broadcast-functions': { type: 'string', default: 'table,modulo' },
  },
});

type SchemeName = 'routing' | 'broadcast';

interface Row {
  scheme: SchemeName;
  fn: DispatchFunctionName;
  n: number;
  /** the trial with the highest forwarded rate */
  best: Trial;
  /** least CPU time per forwarded packet over the trials: other work on the machine only ever adds to it */
  cpuUs: number;
}

function floodPlan(): FloodPlan {
  const cpus = availableParallelism();
  const mode = values.mode as Mode;
  if (mode !== 'split' && mode !== 'shared') throw new Error(`--mode must be shared or split, not "${mode}"`);
  if (mode === 'split' && (cpus < 2 || !taskset())) throw new Error('--mode split needs 2 CPUs and taskset');
  const procs = Number(values.procs ?? (mode === 'split' ? 1 : cpus));
  return { mode, seconds: Number(values.seconds), procs, sources: Number(values.sources), dispatcherCpu: cpus - 1 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const labName = (scheme: SchemeName, n: number): string => `${LAB}${scheme[0]}${n}`;

/**
 * Ups one lab per n, warms each up, then runs the trials round-robin over the labs (so a change in the
 * machine's other load falls on every n alike), and always downs them again.
 */
async function benchGroup(scheme: SchemeName, fn: DispatchFunctionName, ns: number[], plan: FloodPlan): Promise<Row[]> {
  const labs = [];
  try {
    for (const n of ns) {
      const name = labName(scheme, n);
      const text = `name: ${name}\nscheme: ${scheme}\nservers: ${n}\ndispatch: {function: ${fn}}\n`;
      await downLab(name).catch(() => {});
      const lab = await upLab(parseTopology(text, `<bench ${scheme} ${fn} ${n}>`), '<bench>', { name, backend: 'netns' });
      labs.push(lab);
      await prepareLab(lab, plan);
      await flood(lab, plan, 0.5); // ARP for every server, JIT, caches
    }
    const trials: Trial[][] = ns.map(() => []);
    for (let i = 0; i < Number(values.trials); i++) {
      for (const [j, lab] of labs.entries()) trials[j]!.push(await measure(lab, plan));
    }
    return ns.map((n, j) => {
      const best = trials[j]!.reduce((a, b) => (b.forwardedPps > a.forwardedPps ? b : a));
      return { scheme, fn, n, best, cpuUs: Math.min(...trials[j]!.map((t) => t.cpuUsPerPacket)) };
    });
  } finally {
    for (const n of ns) await downLab(labName(scheme, n)).catch(() => {});
  }
}

/** A `lab clean` run elsewhere on the machine removes every lab, ours too: try a group again once. */
async function benchWithRetry(scheme: SchemeName, fn: DispatchFunctionName, ns: number[], plan: FloodPlan): Promise<Row[]> {
  try {
    return await benchGroup(scheme, fn, ns, plan);
  } catch (err) {
    console.error(`bench: ${scheme} ${fn} failed (${(err as Error).message.split('\n')[0]}); trying once more`);
    return benchGroup(scheme, fn, ns, plan);
  }
}

/** Loss beyond noise (other work briefly taking the dispatcher's CPU) after the router: the dispatcher's CPU overflowed. */
const LOSS_LIMIT_PCT = 5;

/** Lost after the router: the dispatcher's CPU overflowed; no loss: the pace was set by the CPUs running sender and path. */
function limitedBy(t: Trial, mode: Mode): string {
  if (t.lossPct >= LOSS_LIMIT_PCT) return t.routerPps >= t.offeredPps * 0.99 ? 'dispatcher' : 'before the dispatcher';
  if (mode === 'split') return 'sender (CPU 0)';
  return `CPUs: sender ${t.senderUserPct.toFixed(0)}%, kernel path ${(100 - t.senderUserPct).toFixed(0)}%`;
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const kpps = (x: number): string => fmt(x / 1000, 1) + 'k';

/** The row of the same scheme and function with the fewest servers. */
function baseOf(rows: Row[], r: Row): Row {
  const same = rows.filter((x) => x.fn === r.fn && x.scheme === r.scheme);
  return same.reduce((a, b) => (b.n < a.n ? b : a));
}

function tableRows(rows: Row[], mode: Mode): string[][] {
  return rows.map((r) => {
    const base = baseOf(rows, r);
    return [
      r.fn,
      String(r.n),
      kpps(r.best.offeredPps),
      kpps(r.best.forwardedPps),
      fmt(r.best.lossPct, 1),
      fmt(r.best.forwardedPps / base.best.forwardedPps, 2),
      fmt(r.best.cpusUsed, 2),
      fmt(r.cpuUs, 2),
      (r.cpuUs >= base.cpuUs ? '+' : '') + fmt(r.cpuUs - base.cpuUs, 2),
      kpps(1e6 / r.cpuUs),
      fmt(base.cpuUs / r.cpuUs, 2),
      limitedBy(r.best, mode),
    ];
  });
}

function modeLine(plan: FloodPlan): string {
  return plan.mode === 'split'
    ? `mode split: ${plan.procs} sender process(es) pinned to CPU 0 with the client's and the router's kernel work; the dispatcher's received packets are steered (RPS) to CPU ${plan.dispatcherCpu}, which also bridges them to the server, whose sink drops them.`
    : `mode shared: ${plan.procs} sender processes; each packet's whole path (sender, client stack, router, dispatcher, 3 bridge hops, server sink) runs in the sending process's context, so the CPUs, not a queue, set the pace and nothing is lost.`;
}

function cpuLine(plan: FloodPlan): string {
  return plan.mode === 'split'
    ? `CPU us/pkt = softirq time of CPU ${plan.dispatcherCpu} per forwarded packet (least of the trials): the dispatcher's side only, but inflated by wake-up and IPI overhead while that CPU is not saturated, so its growth with n is understated; per-core pps = 1e6 / it.`
    : 'CPU us/pkt = CPU time of the senders and ksoftirqd per forwarded packet (least of the trials), i.e. the whole path; "+us" over the smallest n is the extra work of the dispatcher (its rules and its n policy-routing rules); per-core pps = 1e6 / CPU us/pkt, which other work on the machine changes far less than the wall-clock rates (only through caches).';
}

function limitLine(rows: Row[], plan: FloodPlan): string {
  const dispatcherBound = rows.filter((r) => limitedBy(r.best, plan.mode) === 'dispatcher').map((r) => `${r.fn} n=${r.n}`);
  const userPct = median(rows.map((r) => r.best.senderUserPct));
  if (dispatcherBound.length > 0) return `limited by: the dispatcher's CPU for ${dispatcherBound.join(', ')} (packets lost after the router); elsewhere by the sending side.`;
  if (plan.mode === 'split') return 'limited by: the sender at every n (no loss at the dispatcher): the forwarded rates do not measure the dispatcher; use --mode shared, whose CPU columns do.';
  return `limited by: CPU time at every n; the Node sender itself is only ~${userPct.toFixed(0)}% of it (user time), the rest is the kernel path including the dispatcher, so the rates measure the path and the "+us" column is the dispatcher's growth with n.`;
}

function explain(rows: Row[], plan: FloodPlan): string[] {
  return [
    modeLine(plan),
    `offered = datagrams the client's kernel sent, forwarded = the dispatcher's Ip.ForwDatagrams, both per wall-clock second of the best of ${values.trials} trials of ${plan.seconds} s; loss = (offered - forwarded) / offered; ratio = forwarded / forwarded at the smallest n; CPUs used = CPU seconds the measured work got per second (the rest went to other work on the machine).`,
    cpuLine(plan),
    limitLine(rows, plan),
  ];
}

/** One line per function: per-core rate at the largest n over the smallest, against the goal. */
function ratioLines(rows: Row[]): string[] {
  return [...new Set(rows.map((r) => r.fn))].map((fn) => {
    const same = rows.filter((r) => r.fn === fn);
    const lo = same.reduce((a, b) => (b.n < a.n ? b : a));
    const hi = same.reduce((a, b) => (b.n > a.n ? b : a));
    return `${fn}: per-core rate at n = ${hi.n} vs n = ${lo.n}: ${fmt(lo.cpuUs / hi.cpuUs, 2)} (goal >= 0.95; ${fmt(hi.cpuUs - lo.cpuUs, 2)} us more per packet)`;
  });
}

/** Broadcast rows: every ghost packet reaches every server; the cost each added server's copy brings is the slope over n. */
function broadcastRows(rows: Row[]): string[][] {
  return rows.map((r) => {
    const base = baseOf(rows, r);
    const slope = r.n > base.n ? (r.cpuUs - base.cpuUs) / (r.n - base.n) : NaN;
    return [r.fn, String(r.n), kpps(r.best.forwardedPps), fmt(r.best.cpusUsed, 2), fmt(r.cpuUs, 2), (r.cpuUs >= base.cpuUs ? '+' : '') + fmt(r.cpuUs - base.cpuUs, 2), fmt(slope, 3), fmt((100 * slope) / base.cpuUs, 1)];
  });
}

function printBroadcast(rows: Row[]): void {
  if (rows.length === 0) return;
  const nMin = Math.min(...rows.map((r) => r.n));
  console.log('');
  console.log('broadcast: per-server CPU per ghost packet (the paper: filtering on every server costs little)');
  console.log(table(['function', 'servers', 'ghost pps', 'CPUs used', 'CPU us/ghost pkt', `+us vs n=${nMin}`, 'us per added server', '% of a packet at n=' + nMin], broadcastRows(rows)));
  console.log('ghost pps = the router\'s Ip.ForwDatagrams (each one Ethernet broadcast that every server receives); CPU us/ghost pkt = CPU time of the senders and ksoftirqd per ghost packet, least of the trials; us per added server = (CPU(n) - CPU(n_min)) / (n - n_min): what one more server\'s copy costs (the bridge clone, its veth, and its local filter dropping it at the earliest hook: netdev ingress for table, raw PREROUTING for modulo).');
}

async function main(): Promise<void> {
  const plan = floodPlan();
  const load = loadavg()[0]!.toFixed(2);
  const stop = (): void => {
    const all = [...values.servers.split(',').map((n) => labName('routing', Number(n))), ...values['broadcast-servers'].split(',').filter(Boolean).map((n) => labName('broadcast', Number(n)))];
    void Promise.all(all.map((l) => downLab(l).catch(() => {}))).finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  const ns = values.servers.split(',').map(Number);
  const rows: Row[] = [];
  for (const fn of values.functions.split(',').filter(Boolean) as DispatchFunctionName[]) {
    for (const r of await benchWithRetry('routing', fn, ns, plan)) {
      rows.push(r);
      console.error(`bench: ${fn} n=${r.n}: ${kpps(r.best.forwardedPps)} pps forwarded, ${fmt(r.cpuUs, 2)} CPU us/pkt`);
    }
  }
  const bns = values['broadcast-servers'].split(',').filter(Boolean).map(Number);
  const brows: Row[] = [];
  if (plan.mode === 'shared' && bns.length > 0) {
    for (const fn of values['broadcast-functions'].split(',').filter(Boolean) as DispatchFunctionName[]) {
      for (const r of await benchWithRetry('broadcast', fn, bns, plan)) {
        brows.push(r);
        console.error(`bench: broadcast ${fn} n=${r.n}: ${kpps(r.best.forwardedPps)} ghost pps, ${fmt(r.cpuUs, 2)} CPU us/pkt`);
      }
    }
  }
  console.log(`dispatcher packet rate (netns, ${availableParallelism()} CPUs, load average ${load} at start: other work on the machine lowers the pps columns, hardly the CPU columns)`);
  if (rows.length > 0) {
    const nMin = Math.min(...rows.map((r) => r.n));
    const head = ['function', 'servers', 'offered pps', 'forwarded pps', 'loss %', `ratio to n=${nMin}`, 'CPUs used', 'CPU us/pkt', `+us vs n=${nMin}`, 'per-core pps', 'per-core ratio', 'limited by'];
    console.log(table(head, tableRows(rows, plan.mode)));
    for (const line of explain(rows, plan)) console.log(line);
    for (const line of ratioLines(rows)) console.log(line);
  }
  printBroadcast(brows);
}

await main();
