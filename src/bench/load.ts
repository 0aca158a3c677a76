// Benchmark (not a test): our generator vs wrk on one server, cluster vs one server per scheme, and the latency each scheme adds.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { assertOk } from '../backends/backend.js';
import { table } from '../present/output.js';
import { downLab } from '../lab/down.js';
import type { RunningLab } from '../lab/running-lab.js';
import { upLab } from '../lab/up.js';
import { parseTopology } from '../topology-file/load.js';
import { bestOf, CLIENTS, clientsHomedOn, generator, medianTrial, pairedTrial, wrk, type Job, type Measure, type Mode, type PairedTrial } from './load-measure.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    rate: { type: 'string', default: '1000' },
    trials: { type: 'string', default: '3' },
  },
});
const SECONDS = Number(values.duration);
const CONCURRENCY = Number(values.concurrency);
const RATE = Number(values.rate);
const TRIALS = Number(values.trials);
const SERVERS = 4;
const MODES: Mode[] = ['keepalive', 'close'];
/** routing-router: the routing scheme with `dispatcher: router` (dispatch in the router, no dispatcher node) */
const SCHEMES = ['routing', 'routing-router', 'broadcast'] as const;
type Scheme = (typeof SCHEMES)[number];
const LAB: Record<Scheme, string> = { routing: 'bloadrt', 'routing-router': 'bloadrr', broadcast: 'bloadbc' };

/** Everything measured in one scheme's lab; wrk only in the first (one server is reached the same way in both). */
interface LabFigures {
  scheme: Scheme;
  direct: Record<Mode, Measure>;
  ghost: Record<Mode, Measure>;
  wrk?: Record<Mode, Measure>;
  latency: PairedTrial[];
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const signed = (x: number, digits = 3): string => (x >= 0 ? '+' : '') + fmt(x, digits);
const load1 = (): string => loadavg()[0]!.toFixed(2);
const log = (text: string): void => void console.error(`bench: ${text}`);

function checkOptions(): void {
  if (!(SECONDS > 0)) throw new Error(`--duration: seconds > 0, got "${values.duration}"`);
  if (!Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error(`--concurrency: a whole number >= 1, got "${values.concurrency}"`);
  if (!(RATE > 0)) throw new Error(`--rate: requests/s > 0, got "${values.rate}"`);
  if (!Number.isInteger(TRIALS) || TRIALS < 1) throw new Error(`--trials: a whole number >= 1, got "${values.trials}"`);
}

/** wrk connects from the client's one address: close mode would run out of ports held in TIME_WAIT after ~28k connections. */
async function reuseTimeWait(lab: RunningLab): Promise<void> {
  assertOk('client', 'sysctl tcp_tw_reuse', await lab.exec('client', ['sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1']));
}

/** Ups a 4-server lab of the scheme, runs `fn` on it and always downs it again. */
async function withLab<T>(scheme: Scheme, fn: (lab: RunningLab) => Promise<T>): Promise<T> {
  const name = LAB[scheme];
  await downLab(name).catch(() => {});
  const text = `name: ${name}\nscheme: ${scheme.split('-')[0]}\nservers: ${SERVERS}\n${scheme === 'routing-router' ? 'dispatcher: router\n' : ''}`;
  const lab = await upLab(parseTopology(text, `<bench load ${scheme}>`), '<bench>', { name, backend: 'netns' });
  try {
    await reuseTimeWait(lab);
    return await fn(lab);
  } finally {
    await downLab(name);
  }
}

/** The jobs of one comparison in one mode: one server directly (generator, optionally wrk) and the ghost. */
function throughputJobs(lab: RunningLab, mode: Mode, withWrk: boolean): Job[] {
  const t = lab.state.topology;
  const s0 = t.servers[0]!.address;
  const closed = { concurrency: CONCURRENCY };
  const jobs: Job[] = [{ key: `direct ${mode}`, run: () => generator(lab, s0, mode, closed, SECONDS) }];
  if (withWrk) jobs.push({ key: `wrk ${mode}`, run: () => wrk(lab, s0, mode, CONCURRENCY, SECONDS) });
  jobs.push({ key: `ghost ${mode}`, run: () => generator(lab, t.ghost, mode, closed, SECONDS) });
  return jobs;
}

function logTrial(lab: RunningLab): (key: string, m: Measure) => void {
  return (key, m) => log(`${lab.name} ${key}: ${fmt(m.rps)} req/s, p50 ${fmt(m.p50, 3)} ms, p99 ${fmt(m.p99, 3)} ms, ${m.errors} errors`);
}

/** Short runs of every kind first: ARP, connection paths and the JIT of every server. */
async function warmUp(lab: RunningLab): Promise<void> {
  const t = lab.state.topology;
  for (const mode of MODES) {
    for (const target of [t.servers[0]!.address, t.ghost]) await generator(lab, target, mode, { concurrency: CONCURRENCY }, 1);
  }
}

/** Closed-loop throughput, per mode: the best of alternating trials of each job. */
async function throughput(lab: RunningLab, withWrk: boolean): Promise<Map<string, Measure>> {
  const best = new Map<string, Measure>();
  for (const mode of MODES) for (const [k, m] of await bestOf(throughputJobs(lab, mode, withWrk), TRIALS, logTrial(lab))) best.set(k, m);
  return best;
}

/**
 * Open loop in close mode (every request opens a connection through the scheme), direct and ghost at once at RATE/2 each,
 * from clients homed on s0: the same server under the same load at the same time, only the path differs.
 */
async function latency(lab: RunningLab): Promise<PairedTrial[]> {
  const t = lab.state.topology;
  const clients = await clientsHomedOn(lab, 0);
  const run = (target: string): Promise<Measure> => generator(lab, target, 'close', { rate: RATE / 2 }, SECONDS, clients);
  const trials: PairedTrial[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const p = await pairedTrial(run, t.servers[0]!.address, t.ghost, i % 2 === 1);
    log(`${lab.name} latency: direct p50 ${fmt(p.direct.p50, 3)} p99 ${fmt(p.direct.p99, 3)} ms, ghost p50 ${fmt(p.ghost.p50, 3)} p99 ${fmt(p.ghost.p99, 3)} ms`);
    trials.push(p);
  }
  return trials;
}

async function measureLab(lab: RunningLab, scheme: Scheme, withWrk: boolean): Promise<LabFigures> {
  await warmUp(lab);
  const best = await throughput(lab, withWrk);
  const get = (key: string): Measure => best.get(key)!;
  const perMode = (what: string): Record<Mode, Measure> => ({ keepalive: get(`${what} keepalive`), close: get(`${what} close`) });
  return { scheme, direct: perMode('direct'), ghost: perMode('ghost'), wrk: withWrk ? perMode('wrk') : undefined, latency: await latency(lab) };
}

/** A `lab clean` run elsewhere on the machine removes every lab, ours too: try a scheme again once. */
async function benchScheme(scheme: Scheme, withWrk: boolean): Promise<LabFigures> {
  const once = (): Promise<LabFigures> => withLab(scheme, (lab) => measureLab(lab, scheme, withWrk));
  try {
    return await once();
  } catch (err) {
    log(`${scheme} failed (${(err as Error).message.split('\n')[0]}); trying once more`);
    return once();
  }
}

function generatorVsWrk(f: LabFigures): string {
  const rows = MODES.map((m) => {
    const [g, w] = [f.direct[m], f.wrk![m]];
    return [m, fmt(g.rps), fmt(w.rps), fmt(g.rps / w.rps, 2), `${g.errors} / ${w.errors}`];
  });
  return table(['mode', 'generator req/s', 'wrk req/s', 'generator / wrk', 'errors gen / wrk'], rows);
}

function clusterVsOne(figs: LabFigures[]): string {
  const rows = figs.flatMap((f) =>
    MODES.map((m) => [f.scheme, m, fmt(f.direct[m].rps), fmt(f.ghost[m].rps), fmt(f.ghost[m].rps / f.direct[m].rps, 2), `${f.direct[m].errors} / ${f.ghost[m].errors}`]),
  );
  return table(['scheme', 'mode', 'one server req/s', `ghost (${SERVERS} servers) req/s`, 'ghost / one', 'errors one / ghost'], rows);
}

function addedLatency(figs: LabFigures[]): string {
  const rows = figs.map((f) => {
    const { direct: d, ghost: g } = medianTrial(f.latency);
    const spread = f.latency.map((p) => signed(p.ghost.p50 - p.direct.p50)).join(' ');
    const errors = f.latency.reduce((n, p) => n + p.direct.errors + p.ghost.errors, 0);
    return [f.scheme, fmt(d.p50, 3), fmt(g.p50, 3), signed(g.p50 - d.p50), fmt(d.p99, 3), fmt(g.p99, 3), signed(g.p99 - d.p99), spread, errors];
  });
  return table(['scheme', 'direct p50', 'ghost p50', 'added p50', 'direct p99', 'ghost p99', 'added p99', 'added p50, every trial', 'errors'], rows);
}

function report(figs: LabFigures[], loadStart: string): void {
  const cpus = availableParallelism();
  console.log(`bench:load (netns, ${cpus} CPUs, load average ${loadStart} at start, ${load1()} at end; ${TRIALS} trials of ${SECONDS} s each; servers, generator/wrk and kernel path share the CPUs; tcp_tw_reuse=1 in the client node)`);
  console.log(`(a) one server reached directly (s0 10.0.1.10) from the client node, closed loop, ${CONCURRENCY} in flight, best of alternating trials: our generator (1 thread, ${CLIENTS} client addresses) vs wrk -t 1 -c ${CONCURRENCY} (close: -H 'Connection: close')`);
  console.log(generatorVsWrk(figs[0]!));
  console.log(`(b) cluster through the ghost vs one server directly, our generator, ${CONCURRENCY} in flight, ${CLIENTS} client addresses, best of alternating trials`);
  console.log(clusterVsOne(figs));
  console.log(
    `(c) latency in ms, open loop, close mode (each request a new connection through the scheme): direct and ghost run at the same time at ${RATE / 2} req/s each (who starts first alternates), from ${CLIENTS} client addresses homed on s0 (same server, same load, same moment; only the path differs); the trial with the median added p50 (added = ghost - direct)`,
  );
  console.log(addedLatency(figs));
}

async function main(): Promise<void> {
  checkOptions();
  const loadStart = load1();
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    void Promise.allSettled(SCHEMES.map((s) => downLab(LAB[s]))).finally(() => process.exit(130));
  });
  const figs: LabFigures[] = [];
  for (const [i, scheme] of SCHEMES.entries()) {
    if (interrupted) return;
    figs.push(await benchScheme(scheme, i === 0));
  }
  report(figs, loadStart);
}

await main();
