// The Mininet-style backend: one named network namespace per node, Linux bridges in a switch namespace, veth links.
import { closeSync, openSync, promises as fs } from 'node:fs';
import { spawn as spawnChild } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  BackendError,
  type Backend,
  type ExecOptions,
  type ExecResult,
  type FollowOptions,
  type LogChunk,
  type LabSpec,
  type NodeSpec,
  type ProcessRecord,
  type SpawnOptions,
} from '../backend.js';
import { debugCommand, traced } from '../common/debug.js';
import { followHostLog, readHostLog } from '../common/host-log.js';
import { mapLimit } from '../common/map-limit.js';
import { checkIfName, checkLabName } from '../common/names.js';
import { readStat } from '../common/proc-stat.js';
import { runOrThrow, runUntraced } from '../common/run.js';
import { validateNodes, validateSpec } from '../common/spec.js';
import { destroyNetnsLab, listLabNamespaces, removeNetnsNodes, type TeardownOptions } from './clean.js';
import { NETNS_RUN_DIR, nodeNamespace, switchNamespace } from './names.js';
import { isAlive, signal, waitGone } from './processes.js';
import { addPortsScript, nodeScript, switchScript } from './scripts.js';

export interface NetnsBackendOptions {
  /** parallel node set-up commands (default: 4 per CPU) */
  concurrency?: number;
  teardown?: TeardownOptions;
}

export class NetnsBackend implements Backend {
  readonly kind = 'netns' as const;
  readonly lab: string;
  private readonly concurrency: number;
  private readonly teardown: TeardownOptions;

  constructor(lab: string, options: NetnsBackendOptions = {}) {
    this.lab = checkLabName(lab);
    this.concurrency = options.concurrency ?? Math.max(4, cpus().length * 4);
    this.teardown = options.teardown ?? {};
  }

  /** The named namespace of a node, for `ip netns exec`. */
  namespace(node: string): string {
    return nodeNamespace(this.lab, node);
  }

  async create(spec: LabSpec): Promise<void> {
    validateSpec(this.lab, spec);
    const existing = await listLabNamespaces(this.lab);
    if (existing.length > 0) {
      throw new BackendError(`lab ${this.lab} already exists (${existing.join(', ')}); destroy it first`);
    }
    const sw = switchNamespace(this.lab);
    const namespaces = [sw, ...spec.nodes.map((n) => this.namespace(n.name))];
    // one process creates every namespace; a failure leaves only olab-<lab>-* names behind
    await runOrThrow('ip', ['-batch', '-'], { input: namespaces.map((n) => `netns add ${n}\n`).join('') });
    await runOrThrow('ip', ['netns', 'exec', sw, 'sh', '-c', switchScript(this.lab, spec)], {}, 'switch');
    await this.configureNodes(spec.nodes);
  }

  async addNodes(nodes: NodeSpec[]): Promise<void> {
    if (nodes.length === 0) return;
    validateNodes(nodes, await this.networks());
    const taken = (await listLabNamespaces(this.lab)).filter((ns) => nodes.some((n) => ns === this.namespace(n.name)));
    if (taken.length > 0) throw new BackendError(`lab ${this.lab} has these nodes already: ${taken.join(', ')}`);
    await runOrThrow('ip', ['-batch', '-'], { input: nodes.map((n) => `netns add ${this.namespace(n.name)}\n`).join('') });
    await runOrThrow('ip', ['netns', 'exec', switchNamespace(this.lab), 'sh', '-c', addPortsScript(this.lab, nodes)], {}, 'switch');
    await this.configureNodes(nodes);
  }

  async removeNodes(names: string[]): Promise<void> {
    await removeNetnsNodes(this.lab, names, this.teardown);
  }

  /** Each node's addresses, sysctls and links, inside its namespace (its interfaces exist). */
  private async configureNodes(nodes: readonly NodeSpec[]): Promise<void> {
    await mapLimit(nodes, this.concurrency, (node) =>
      runOrThrow('ip', ['netns', 'exec', this.namespace(node.name), 'sh', '-c', nodeScript(node)], {}, node.name),
    );
  }

  /** The networks of the lab: the bridges br-<network> of its switch namespace. */
  private async networks(): Promise<Set<string>> {
    const sw = switchNamespace(this.lab);
    if (!(await fs.access(`${NETNS_RUN_DIR}/${sw}`).then(() => true, () => false))) {
      throw new BackendError(`lab ${this.lab} does not exist (no switch namespace ${sw}): create() it first`);
    }
    const r = await runOrThrow('ip', ['-n', sw, '-o', 'link', 'show', 'type', 'bridge'], {}, 'switch');
    return new Set(r.stdout.split('\n').map((l) => /^\d+:\s+br-([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => !!n));
  }

  async exec(node: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const ns = await this.existingNamespace(node);
    if (argv.length === 0) throw new BackendError('exec needs a command', node);
    // traced as the node's command (the `ip netns exec` around it is how, not what)
    return traced(node, argv, () => runUntraced('ip', ['netns', 'exec', ns, ...argv], options));
  }

  async spawn(node: string, name: string, argv: string[], options: SpawnOptions): Promise<ProcessRecord> {
    const ns = await this.existingNamespace(node);
    if (argv.length === 0) throw new BackendError('spawn needs a command', node);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new BackendError(`invalid process name "${name}"`, node);
    await fs.mkdir(options.logDir, { recursive: true });
    const logFile = join(options.logDir, `${node}-${name}.log`);
    const fd = openSync(logFile, 'a');
    const t0 = performance.now();
    let pid: number;
    try {
      // `ip netns exec` execs the command in place, so the child's pid is the command's pid
      const child = spawnChild('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['ignore', fd, fd] });
      pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', (e) => reject(new BackendError(`cannot start ${name}: ${e.message}`, node)));
      });
      child.unref();
    } finally {
      closeSync(fd);
    }
    debugCommand(node, argv, `started, pid ${pid}`, performance.now() - t0);
    const stat = await readStat(pid);
    if (!stat || stat.state === 'Z') {
      const log = await fs.readFile(logFile, 'utf8').catch(() => '');
      throw new BackendError(`${name} exited at once: ${log.trim().split('\n').slice(-5).join(' | ')}`, node);
    }
    return { node, name, pid, startTime: stat.startTime, argv: [...argv], logFile };
  }

  async isRunning(record: ProcessRecord): Promise<boolean> {
    return isAlive(record.pid, record.startTime);
  }

  async stop(record: ProcessRecord, timeoutMs = 5000): Promise<void> {
    if (!(await isAlive(record.pid, record.startTime))) return;
    signal(record.pid, 'SIGTERM');
    if (await waitGone(record.pid, record.startTime, timeoutMs)) return;
    if (await isAlive(record.pid, record.startTime)) signal(record.pid, 'SIGKILL');
    if (!(await waitGone(record.pid, record.startTime, 3000))) {
      throw new BackendError(`process ${record.name} (pid ${record.pid}) survived SIGKILL`, record.node);
    }
  }

  /** Logs of spawned processes are host files (a namespace shares the host's filesystem). */
  readLog(_node: string, file: string, offset: number): Promise<LogChunk | undefined> {
    return readHostLog(file, offset);
  }

  /** Follows the host file (inotify, and polling); it outlives a kill of the node, so it never ends by itself. */
  followLog(_node: string, file: string, offset: number, onData: (data: Buffer) => void, options: FollowOptions = {}): Promise<() => Promise<void>> {
    return followHostLog(file, offset, onData, options.pollMs);
  }

  async setLink(node: string, ifname: string, up: boolean): Promise<void> {
    const ns = await this.existingNamespace(node);
    await runOrThrow('ip', ['-n', ns, 'link', 'set', 'dev', checkIfName(ifname), up ? 'up' : 'down'], {}, node);
  }

  async destroy(): Promise<void> {
    await destroyNetnsLab(this.lab, this.teardown);
  }

  /** Failure hook: SIGKILL every process in the node's namespace (found by namespace, signalled by pid), then its links go down. */
  async kill(node: string): Promise<void> {
    const ns = await this.existingNamespace(node);
    const r = await runOrThrow('ip', ['netns', 'pids', ns], {}, node);
    const pids = r.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
    const stats = await Promise.all(pids.map(async (pid) => ({ pid, startTime: (await readStat(pid))?.startTime ?? '' })));
    for (const { pid } of stats) signal(pid, 'SIGKILL');
    for (const s of stats) await waitGone(s.pid, s.startTime, 3000);
    await this.setAllLinks(node, false);
  }

  /** Revival hook: the node's links come up again (its namespace, addresses and rules were never removed). */
  async revive(node: string): Promise<void> {
    await this.setAllLinks(node, true);
  }

  /** A node is a named namespace on this host: `ip netns exec` runs any host program in it. */
  async hostNetnsCommand(node: string): Promise<string[]> {
    return ['ip', 'netns', 'exec', await this.existingNamespace(node)];
  }

  private async setAllLinks(node: string, up: boolean): Promise<void> {
    const ns = await this.existingNamespace(node);
    const r = await runOrThrow('ip', ['-n', ns, '-o', 'link', 'show'], {}, node);
    const names = r.stdout.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n !== 'lo');
    for (const name of names) await this.setLink(node, name, up);
  }

  private async existingNamespace(node: string): Promise<string> {
    const ns = this.namespace(node);
    try {
      await fs.access(`${NETNS_RUN_DIR}/${ns}`);
    } catch {
      throw new BackendError(`no such node in lab ${this.lab} (namespace ${ns} is missing)`, node);
    }
    return ns;
  }
}
