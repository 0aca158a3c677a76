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
  type LogChunk,
  type LabSpec,
  type NodeSpec,
  type ProcessRecord,
  type SpawnOptions,
} from '../backend.js';
import { readHostLog } from '../host-log.js';
import { destroyNetnsLab, listLabNamespaces, type TeardownOptions } from './clean.js';
import {
  bridgeName,
  checkIfName,
  checkLabName,
  checkNetworkName,
  checkNodeName,
  NETNS_RUN_DIR,
  nodeNamespace,
  switchNamespace,
  switchPortName,
} from './names.js';
import { mapLimit, run, runOrThrow } from './run.js';

const CIDR_RE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const SYSCTL_KEY_RE = /^[a-z0-9_]+([./][A-Za-z0-9_-]+)+$/;
const SYSCTL_VALUE_RE = /^[^'\n\\]*$/;

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
    await mapLimit(spec.nodes, this.concurrency, (node) =>
      runOrThrow('ip', ['netns', 'exec', this.namespace(node.name), 'sh', '-c', nodeScript(node)], {}, node.name),
    );
  }

  async exec(node: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const ns = await this.existingNamespace(node);
    if (argv.length === 0) throw new BackendError('exec needs a command', node);
    return run('ip', ['netns', 'exec', ns, ...argv], options);
  }

  async spawn(node: string, name: string, argv: string[], options: SpawnOptions): Promise<ProcessRecord> {
    const ns = await this.existingNamespace(node);
    if (argv.length === 0) throw new BackendError('spawn needs a command', node);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new BackendError(`invalid process name "${name}"`, node);
    await fs.mkdir(options.logDir, { recursive: true });
    const logFile = join(options.logDir, `${node}-${name}.log`);
    const fd = openSync(logFile, 'a');
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
    if (await waitGone(record, timeoutMs)) return;
    if (await isAlive(record.pid, record.startTime)) signal(record.pid, 'SIGKILL');
    if (!(await waitGone(record, 3000))) {
      throw new BackendError(`process ${record.name} (pid ${record.pid}) survived SIGKILL`, record.node);
    }
  }

  readonly logsOnHost = true;

  /** Logs of spawned processes are host files (a namespace shares the host's filesystem). */
  readLog(_node: string, file: string, offset: number): Promise<LogChunk | undefined> {
    return readHostLog(file, offset);
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
    for (const s of stats) await waitGone({ node, name: 'killed', pid: s.pid, startTime: s.startTime, argv: [], logFile: '' }, 3000);
    await this.setAllLinks(node, false);
  }

  /** Revival hook: the node's links come up again (its namespace, addresses and rules were never removed). */
  async revive(node: string): Promise<void> {
    await this.setAllLinks(node, true);
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

/** Checks names, references and values before anything is created. */
export function validateSpec(lab: string, spec: LabSpec): void {
  if (spec.lab !== lab) throw new BackendError(`spec is for lab "${spec.lab}", backend is for lab "${lab}"`);
  const networks = new Set<string>();
  for (const net of spec.networks) {
    checkNetworkName(net.name);
    if (networks.has(net.name)) throw new BackendError(`network ${net.name} is defined twice`);
    if (!CIDR_RE.test(net.subnet)) throw new BackendError(`network ${net.name}: subnet "${net.subnet}" is not a.b.c.d/len`);
    networks.add(net.name);
  }
  const nodes = new Set<string>();
  for (const node of spec.nodes) {
    checkNodeName(node.name);
    if (nodes.has(node.name)) throw new BackendError(`node ${node.name} is defined twice`);
    nodes.add(node.name);
    const ifnames = new Set<string>();
    const nets = new Set<string>();
    for (const itf of node.interfaces) {
      checkIfName(itf.name);
      if (ifnames.has(itf.name)) throw new BackendError(`interface ${itf.name} is defined twice`, node.name);
      if (!networks.has(itf.network)) throw new BackendError(`interface ${itf.name}: unknown network ${itf.network}`, node.name);
      if (nets.has(itf.network)) {
        throw new BackendError(`two interfaces on network ${itf.network} (one per network per node)`, node.name);
      }
      if (!CIDR_RE.test(itf.address)) {
        throw new BackendError(`interface ${itf.name}: address "${itf.address}" is not a.b.c.d/len`, node.name);
      }
      ifnames.add(itf.name);
      nets.add(itf.network);
    }
    for (const [key, value] of Object.entries(node.sysctls)) {
      if (!SYSCTL_KEY_RE.test(key) || key.includes('..')) throw new BackendError(`invalid sysctl name "${key}"`, node.name);
      if (!SYSCTL_VALUE_RE.test(value)) throw new BackendError(`invalid value for sysctl ${key}: "${value}"`, node.name);
    }
  }
}

/** /proc/sys path of a sysctl: dots separate levels unless the key already uses slashes. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replace(/\./g, '/')}`;
}

function writeSysctl(key: string, value: string): string {
  return `printf '%s\\n' '${value}' > ${sysctlPath(key)} || { echo 'sysctl ${key}=${value} failed' >&2; exit 1; }`;
}

const IPV6_OFF = [
  writeSysctl('net.ipv6.conf.all.disable_ipv6', '1'),
  writeSysctl('net.ipv6.conf.default.disable_ipv6', '1'),
];

function ipBatch(lines: string[]): string {
  return lines.length === 0 ? '' : `ip -batch - <<'EOF'\n${lines.join('\n')}\nEOF`;
}

/** Run in the switch namespace: bridges, then each node's veth (node end created in the node's namespace). */
export function switchScript(lab: string, spec: LabSpec): string {
  const lines: string[] = [];
  for (const net of spec.networks) {
    lines.push(`link add ${bridgeName(net.name)} type bridge mcast_snooping 0`, `link set ${bridgeName(net.name)} up`);
  }
  for (const node of spec.nodes) {
    for (const itf of node.interfaces) {
      const port = switchPortName(node.name, itf.network);
      lines.push(
        `link add ${port} type veth peer name ${itf.name} netns ${nodeNamespace(lab, node.name)}`,
        `link set ${port} master ${bridgeName(itf.network)} up`,
      );
    }
  }
  const noBridgeFilter = ['iptables', 'ip6tables', 'arptables'].map(
    (t) => `if [ -w /proc/sys/net/bridge/bridge-nf-call-${t} ]; then echo 0 > /proc/sys/net/bridge/bridge-nf-call-${t}; fi`,
  );
  return ['set -e', ...IPV6_OFF, ...noBridgeFilter, ipBatch(lines)].join('\n');
}

/** Run in a node's namespace once its interfaces exist: IPv6 off, sysctls (while links are down), addresses, links up. */
export function nodeScript(node: NodeSpec): string {
  const lines = ['link set lo up'];
  for (const itf of node.interfaces) lines.push(`addr add ${itf.address} dev ${itf.name}`);
  for (const itf of node.interfaces) lines.push(`link set ${itf.name} up`);
  const sysctls = Object.entries(node.sysctls).map(([k, v]) => writeSysctl(k, v));
  return ['set -e', ...IPV6_OFF, ...sysctls, ipBatch(lines)].join('\n');
}

interface ProcStat {
  state: string;
  startTime: string;
}

/** State (field 3) and start time (field 22) from /proc/PID/stat; null when the pid does not exist. */
export async function readStat(pid: number): Promise<ProcStat | null> {
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', startTime: rest[19] ?? '' };
}

async function isAlive(pid: number, startTime: string): Promise<boolean> {
  const st = await readStat(pid);
  return st !== null && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(record: ProcessRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(record.pid, record.startTime))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
