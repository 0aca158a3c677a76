// `lab capture`: the host's tcpdump run inside a node's network namespace, its pcap on the host, a summary line per packet.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { LabError } from '../util/errors.js';
import type { RunningLab } from '../lab/running-lab.js';
import { hostTcpdump } from './host-tcpdump.js';
import { deadlineMs, tcpdumpArgv, type CaptureOptions } from './tcpdump-args.js';

export interface CaptureResult {
  node: string;
  iface: string;
  /** the pcap on the host, when one was written */
  file?: string;
  /** packets tcpdump captured (its own count) */
  packets: number;
  /** what ended it: the packet count, the duration (or deadline), or stop() */
  endedBy: 'count' | 'duration' | 'stop';
}

export interface Capture {
  /** the node's interface tcpdump listens on */
  iface: string;
  /** resolves once tcpdump listens (packets from then on are captured) */
  ready: Promise<void>;
  /** resolves when tcpdump has exited and its pcap is complete */
  done: Promise<CaptureResult>;
  /** ends the capture now (SIGINT: tcpdump writes what it has and exits) */
  stop(): void;
}

/** How long tcpdump may take to start listening, and to exit once told to (then SIGKILL). */
const START_MS = 15_000;
const EXIT_MS = 5_000;

/** The interface a capture listens on by default: the node's LAN interface (the client's: its client link). */
export function defaultInterface(lab: RunningLab, node: string): string {
  const n = lab.state.topology.nodes.find((x) => x.name === node)!;
  return (n.interfaces.find((i) => i.network === 'lan') ?? n.interfaces[0]!).name;
}

/** The argv running tcpdump in the node's network namespace from the host, so the pcap is a host file. */
async function inNode(lab: RunningLab, node: string, argv: string[]): Promise<string[]> {
  const prefix = await lab.backend.hostNetnsCommand?.(node);
  if (!prefix) throw new LabError(`${node}: capture runs tcpdump in the node's network namespace from this host, and this ${lab.backend.kind} lab's nodes are not on this host (a remote engine): run tcpdump there with lab exec ${node} -- tcpdump ...`);
  return [...prefix, ...argv];
}

/**
 * Starts tcpdump in a node. Summary lines go to onLine as they come; it ends at the count, at the duration (or the
 * deadline of a count), or at stop(), always with a complete pcap. Every wait has a deadline and says what it waited for.
 */
export async function startCapture(lab: RunningLab, node: string, o: CaptureOptions, onLine: (line: string) => void = () => {}, say: (text: string) => void = () => {}): Promise<Capture> {
  lab.node(node);
  const iface = o.iface ?? defaultInterface(lab, node);
  const opts = o.file === undefined ? o : { ...o, file: resolve(o.file) };
  const tcpdump = await hostTcpdump(say);
  const [bin, ...rest] = await inNode(lab, node, [tcpdump, ...tcpdumpArgv(iface, opts).slice(1)]);
  const child = spawn(bin!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let endedBy: CaptureResult['endedBy'] = 'count';
  let killer: NodeJS.Timeout | undefined;
  const end = (why: CaptureResult['endedBy']) => {
    if (child.exitCode !== null || child.signalCode !== null || killer) return;
    endedBy = why;
    child.kill('SIGINT');
    // tcpdump writes what it has and exits at SIGINT; one that does not within EXIT_MS is killed
    killer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS);
  };
  child.once('exit', () => killer && clearTimeout(killer));
  const timer = setTimeout(() => end('duration'), deadlineMs(opts));
  const ready = listening(child, node, iface);
  const done = finished(child, node, ready).then((packets): CaptureResult => ({ node, iface, packets, endedBy, ...(opts.file ? { file: opts.file } : {}) }));
  done.finally(() => clearTimeout(timer)).catch(() => {});
  ready.catch(() => end('stop'));
  lines(child, onLine);
  return { iface, ready, done, stop: () => end('stop') };
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const l of parts) if (l) onLine(l);
  });
  child.stdout!.on('end', () => rest && onLine(rest));
}

/** Resolves when tcpdump prints "listening on"; rejects with its stderr when it exits first or does not start in time. */
function listening(child: ChildProcess, node: string, iface: string): Promise<void> {
  return new Promise((res, rej) => {
    let err = '';
    const timer = setTimeout(() => rej(new LabError(`${node}: tcpdump did not start listening on ${iface} within ${START_MS / 1000} s: ${err.trim()}`)), START_MS);
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      if (/listening on /.test(err)) {
        clearTimeout(timer);
        res();
      }
    });
    child.once('error', (e) => rej(new LabError(`${node}: cannot run tcpdump: ${e.message}`)));
    child.once('exit', () => {
      clearTimeout(timer);
      rej(new LabError(`${node}: tcpdump on ${iface} failed: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** Resolves with the packets tcpdump counted once it has exited; rejects when it ended without its summary. */
function finished(child: ChildProcess, node: string, ready: Promise<void>): Promise<number> {
  let err = '';
  child.stderr!.on('data', (c: string | Buffer) => (err += String(c)));
  return new Promise((res, rej) => {
    child.once('exit', (code, signal) => {
      const m = /(\d+) packets? captured/.exec(err);
      if (m) return res(Number(m[1]));
      ready.then(
        () => rej(new LabError(`${node}: tcpdump ended (${signal ?? `exit ${code}`}) without its summary: ${err.trim().split('\n').slice(-3).join(' | ')}`)),
        (e: unknown) => rej(e),
      );
    });
  });
}
