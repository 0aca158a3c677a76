// Benchmark sender: floods a target with small UDP datagrams from many source addresses for a fixed time; prints JSON {sent, seconds, cpuSeconds}.
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { intToIp, ipToInt } from '../net/ipv4.js';

export interface FloodResult {
  sent: number;
  seconds: number;
  /** CPU time of the sending processes (user + system, which includes the softirq work run in their context) */
  cpuSeconds: number;
  /** the user-space part of cpuSeconds: the sender's own work, as opposed to the kernel path it drives */
  userSeconds: number;
}

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    port: { type: 'string', default: '9' },
    /** first population address; the sources are `sources` consecutive addresses from it */
    first: { type: 'string' },
    sources: { type: 'string', default: '256' },
    seconds: { type: 'string', default: '3' },
    size: { type: 'string', default: '16' },
    /** datagrams sent per turn of the event loop */
    burst: { type: 'string', default: '256' },
    procs: { type: 'string', default: '1' },
    /** comma-separated CPUs to pin the processes to (round robin, with taskset); empty: no pinning */
    cpus: { type: 'string', default: '' },
    /** internal: this process is one worker of a parent flood */
    worker: { type: 'boolean', default: false },
  },
});

function die(message: string): never {
  console.error(`udp-flood: ${message}`);
  process.exit(2);
}

/** The `count` consecutive source addresses starting at `first`. */
function sourceAddresses(first: string, count: number): string[] {
  const base = ipToInt(first);
  return Array.from({ length: count }, (_, i) => intToIp(base + i));
}

/** A UDP socket bound to `source` and connected to the target, so each send skips address handling. */
function openSocket(source: string, target: string, port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('error', () => {}); // a full queue or a transient ENOBUFS: the kernel counters tell what went out
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: source, port: 0 }, () => socket.connect(port, target, () => resolve(socket)));
  });
}

function cpuSince(start: NodeJS.CpuUsage): Pick<FloodResult, 'cpuSeconds' | 'userSeconds'> {
  const used = process.cpuUsage(start);
  return { cpuSeconds: (used.user + used.system) / 1e6, userSeconds: used.user / 1e6 };
}

/** Sends round robin over the sockets, `burst` datagrams per event-loop turn, until `seconds` have passed. */
function flood(sockets: Socket[], payload: Buffer, burst: number, seconds: number): Promise<FloodResult> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const end = t0 + seconds * 1000;
  let sent = 0;
  let next = 0;
  return new Promise((resolve) => {
    const turn = (): void => {
      for (let i = 0; i < burst; i++) {
        sockets[next]!.send(payload);
        next = next + 1 === sockets.length ? 0 : next + 1;
      }
      sent += burst;
      const now = performance.now();
      if (now < end) setImmediate(turn);
      else resolve({ sent, seconds: (now - t0) / 1000, ...cpuSince(cpu0) });
    };
    turn();
  });
}

async function runWorker(): Promise<FloodResult> {
  const sockets = await Promise.all(
    sourceAddresses(values.first!, Number(values.sources)).map((s) => openSocket(s, values.target!, Number(values.port))),
  );
  const result = await flood(sockets, Buffer.alloc(Number(values.size)), Number(values.burst), Number(values.seconds));
  sockets.forEach((s) => s.close());
  return result;
}

/** argv of worker `i`: this script with the same options, pinned with taskset when CPUs were given. */
function workerArgv(i: number, first: string, perWorker: number): string[] {
  const own = [fileURLToPath(import.meta.url), '--worker', '--first', first, '--sources', String(perWorker)];
  const passed = ['target', 'port', 'seconds', 'size', 'burst'].flatMap((k) => [`--${k}`, String(values[k as keyof typeof values])]);
  const argv = [process.execPath, ...own, ...passed];
  const cpus = values.cpus ? values.cpus.split(',') : [];
  return cpus.length > 0 ? ['taskset', '-c', cpus[i % cpus.length]!, ...argv] : argv;
}

function runChild(argv: string[]): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as FloodResult) : reject(new Error(`worker exited ${code}`))));
  });
}

/** Splits the sources over `procs` worker processes and sums their counts. */
async function runParent(): Promise<FloodResult> {
  const procs = Number(values.procs);
  const perWorker = Math.max(1, Math.floor(Number(values.sources) / procs));
  const base = ipToInt(values.first!);
  const results = await Promise.all(Array.from({ length: procs }, (_, i) => runChild(workerArgv(i, intToIp(base + i * perWorker), perWorker))));
  const sum = (f: (r: FloodResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return { sent: sum((r) => r.sent), seconds, cpuSeconds: sum((r) => r.cpuSeconds), userSeconds: sum((r) => r.userSeconds) };
}

if (!values.target || !values.first) die('--target ADDRESS and --first ADDRESS are required');
const result = values.worker ? await runWorker() : await runParent();
console.log(JSON.stringify(result));
