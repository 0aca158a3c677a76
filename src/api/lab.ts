// The typed handle on a running lab: a thin facade over the code the CLI and the shell run (actions table, bench, watchd events, down).
import type { ExecResult } from '../backends/backend.js';
import { actionFromWords, runAction } from '../lab/actions.js';
import { runBench, type BenchFlags, type BenchProgress } from '../lab/bench.js';
import { downLab } from '../lab/down.js';
import type { RunningLab } from '../lab/running-lab.js';
import { readEvents, type WatchdEvent, type WatchdEventKind } from '../lab/watchd-events.js';
import { watchdStatus, type WatchdStatus } from '../lab/watchd-process.js';
import { statusJson, type StatusJson } from '../present/status.js';
import type { BenchResult } from '../report/bench-result.js';
import type { Topology } from '../topology/types.js';
import { LabError, UsageError } from '../util/errors.js';
import { waitFor } from '../util/poll.js';
import { dispatchView, type DispatchView } from './dispatch-view.js';
import './dispose.js';

/** `lab bench` flags, typed: a plain number of a time is seconds (as in scenario files). */
export interface BenchOptions {
  target?: string;
  port?: number;
  duration?: string | number;
  rate?: number;
  concurrency?: number;
  mode?: 'close' | 'keepalive';
  clients?: number;
  skew?: string;
  clientsFrom?: string;
  bytes?: number;
  timeout?: string | number;
  workers?: number;
  seed?: number;
  /** the target is a name each client resolves by asking this server (default: the scheme's, e.g. the dns scheme's) */
  resolver?: string;
  /** keep a record of every request (result.records; with a name resolved, every DNS query in result.dns.records) */
  records?: boolean;
  /** the generator's progress, about every 250 ms */
  onProgress?: (p: BenchProgress) => void;
  /** aborting ends the sending window early; the result still comes */
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** give up after this long (default 10 s), with a LabError naming what was awaited */
  timeoutMs?: number;
  /** only an event about this node (a server taken out or put back, a dispatcher failed over from or to) */
  node?: string;
  /** only events at or after this Date.now() time (default: the start of the last action done through this handle) */
  since?: number;
  /** any other condition on the event */
  match?: (e: WatchdEvent) => boolean;
}

export interface ExecOptions {
  /** written to the command's standard input */
  input?: string;
  /** default 60 s */
  timeoutMs?: number;
}

export type LabStatus = StatusJson & { watchd: WatchdStatus };

const EXEC_TIMEOUT_MS = 60_000;

/** Whether a watchd event is about `node`. */
function concerns(e: WatchdEvent, node: string): boolean {
  return e.node === node || (e.down ?? []).includes(node) || (e.up ?? []).includes(node) || e.from === node || e.to === node;
}

function benchFlags(o: BenchOptions): BenchFlags {
  const flags: BenchFlags = {};
  const keys = ['target', 'port', 'duration', 'rate', 'concurrency', 'mode', 'clients', 'skew', 'clientsFrom', 'bytes', 'timeout', 'workers', 'seed', 'resolver'] as const;
  for (const k of keys) if (o[k] !== undefined) flags[k] = String(o[k]);
  return flags;
}

export class Lab implements AsyncDisposable {
  private gone = false;
  private lastActionAt: number;

  constructor(
    private readonly running: RunningLab,
    private readonly release: () => void,
  ) {
    this.lastActionAt = Date.parse(running.state.createdAt);
  }

  /** The lab's name (namespaces olab-NAME-NODE, state in /run/oneip-lab/NAME). */
  get name(): string {
    return this.running.name;
  }

  /** The resolved topology: nodes, addresses, ghost, servers. */
  get topology(): Topology {
    return this.running.state.topology;
  }

  get backend(): 'netns' | 'docker' {
    return this.running.state.backend;
  }

  private live(): RunningLab {
    if (this.gone) throw new LabError(`lab "${this.name}" was taken down`);
    return this.running;
  }

  /** Runs a command inside a node (`lab exec NODE -- CMD...`): its exit code and output, never a throw for a non-zero exit. */
  exec(node: string, argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new UsageError('exec: give the command to run');
    const lab = this.live();
    lab.node(node);
    return lab.backend.exec(node, argv, { timeoutMs: o.timeoutMs ?? EXEC_TIMEOUT_MS, ...(o.input === undefined ? {} : { input: o.input }) });
  }

  /** One action of the lab's table, as `lab WORDS...` runs it; returns its confirmation line. */
  private async act(words: string[]): Promise<string> {
    const lab = this.live();
    const action = actionFromWords(words);
    this.lastActionAt = Date.now();
    await lab.refresh();
    return runAction(lab, action);
  }

  /** `lab kill NODE`: crashes it at once. */
  kill(node: string): Promise<string> {
    return this.act(['kill', node]);
  }

  /** `lab stop NODE`: SIGTERM to a server's processes; links and rules stay. */
  stop(node: string): Promise<string> {
    return this.act(['stop', node]);
  }

  /** `lab revive NODE`: back as a fresh machine with the current rules; resolves once a server answers. */
  revive(node: string): Promise<string> {
    return this.act(['revive', node]);
  }

  /** `lab link NODE down|up`: the node's LAN interface. */
  link(node: string, state: 'down' | 'up'): Promise<string> {
    return this.act(['link', node, state]);
  }

  /** `lab loss NODE PERCENT`: random drop on the node's LAN interface; 0 removes it. */
  loss(node: string, percent: number): Promise<string> {
    return this.act(['loss', node, String(percent)]);
  }

  /** The dispatch function as it is now (watchd changes it) and the model's server for any client address. */
  async dispatch(): Promise<DispatchView> {
    return dispatchView(await this.live().refresh());
  }

  /** `lab bench`: real HTTP load through the ghost from the client node; the object `lab bench --json` prints. */
  bench(o: BenchOptions = {}): Promise<BenchResult> {
    return runBench(this.live(), benchFlags(o), { ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.records ? { records: true } : {}) });
  }

  /** watchd's events so far (`lab logs watchd --json`). */
  async events(): Promise<WatchdEvent[]> {
    const w = (await this.live().refresh()).watchd;
    return w ? readEvents(w.eventsFile) : [];
  }

  /** Waits for a watchd event (`reconfigured`, `detected`, `recovered`, `dispatcher-failover`, ...) and returns it. */
  async waitFor(event: WatchdEventKind, o: WaitOptions = {}): Promise<WatchdEvent> {
    const since = o.since ?? this.lastActionAt;
    const timeoutMs = o.timeoutMs ?? 10_000;
    if (!this.live().state.watchd) throw new LabError(`lab "${this.name}" runs no watchd (watchd.enabled is false): there are no events to wait for`);
    const wanted = (e: WatchdEvent): boolean => e.event === event && e.t >= since && (o.node === undefined || concerns(e, o.node)) && (o.match?.(e) ?? true);
    const what = `watchd's "${event}" event${o.node ? ` about ${o.node}` : ''} in lab "${this.name}"`;
    return waitFor(what, async () => (await this.events()).find(wanted), timeoutMs, 50);
  }

  /** What `lab status --json` prints: scheme, backend, nodes and addresses, alive set, injected failures, watchd. */
  async status(): Promise<LabStatus> {
    const state = await this.live().refresh();
    return { ...statusJson(state), watchd: await watchdStatus(state) };
  }

  /** `lab down`: removes everything of the lab; fine to call twice. */
  async down(): Promise<void> {
    if (this.gone) return;
    await downLab(this.name);
    this.gone = true;
    this.release();
  }

  /** `await using lab = await startLab(...)` takes the lab down when the block ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}
