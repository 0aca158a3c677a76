// The backend contract: nodes, networks, links, exec and processes; nothing about ONE-IP.

export interface NetworkSpec {
  /** short name, unique in the lab ("lan", "cl") */
  name: string;
  /** "a.b.c.d/len" */
  subnet: string;
}

export interface InterfaceSpec {
  /** the interface name inside the node */
  name: string;
  /** the network it attaches to */
  network: string;
  /** "a.b.c.d/len" */
  address: string;
}

export interface NodeSpec {
  name: string;
  /** free-form role label, recorded for listings */
  role: string;
  interfaces: InterfaceSpec[];
  /** kernel parameters set before the node's plan runs */
  sysctls: Record<string, string>;
}

export interface LabSpec {
  /** the lab's name; every object the backend creates carries it */
  lab: string;
  networks: NetworkSpec[];
  nodes: NodeSpec[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** text written to the command's standard input */
  input?: string;
  timeoutMs?: number;
}

/** A long-running process the lab started in a node, tracked by pid. */
export interface ProcessRecord {
  node: string;
  /** what the process is for, e.g. "http" */
  name: string;
  pid: number;
  /** /proc/PID/stat start time, so a recycled pid is never mistaken for ours */
  startTime: string;
  argv: string[];
  logFile: string;
}

export interface SpawnOptions {
  /** directory for the process's log file */
  logDir: string;
}

/** Part of a log file: the bytes from the offset asked for, and the whole file's size then. */
export interface LogChunk {
  data: Buffer;
  size: number;
}

export interface Backend {
  readonly kind: 'netns' | 'docker';
  /** Builds networks, nodes, links, addresses and sysctls. Partial failure leaves only prefixed objects. */
  create(spec: LabSpec): Promise<void>;
  /** Runs argv inside a node and returns its exit code and output. */
  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running process inside a node. */
  spawn(node: string, name: string, argv: string[], options: SpawnOptions): Promise<ProcessRecord>;
  /** Whether the recorded process is still alive. */
  isRunning(record: ProcessRecord): Promise<boolean>;
  /** Ends a process the lab started: SIGTERM, then SIGKILL after the timeout. */
  stop(record: ProcessRecord, timeoutMs?: number): Promise<void>;
  /** Whether spawned processes' log files are host files, readable at their recorded path. */
  readonly logsOnHost: boolean;
  /** A spawned process's log from byte `offset` on, and the file's size; undefined while the file does not exist. */
  readLog(node: string, file: string, offset: number): Promise<LogChunk | undefined>;
  /** Streams a log from byte `offset` on as it grows, until the returned stop is called or onEnd says it ended (logs that are not host files). */
  followLog?(node: string, file: string, offset: number, onData: (data: Buffer) => void, onEnd?: () => void): Promise<() => Promise<void>>;
  /** Sets a node's interface administratively up or down. */
  setLink(node: string, ifname: string, up: boolean): Promise<void>;
  /** Failure hook, as a crashed machine: every process of the node dies at once and its links drop. */
  kill?(node: string): Promise<void>;
  /** Brings a killed node back with its links (not its plan or processes: the caller re-applies and restarts them). */
  revive?(node: string): Promise<void>;
  /** Removes everything of the lab; fine when nothing is left. */
  destroy(): Promise<void>;
}

export class BackendError extends Error {
  constructor(
    message: string,
    readonly node?: string,
    readonly detail?: string,
  ) {
    super(node ? `${node}: ${message}` : message);
    this.name = 'BackendError';
  }
}

/** Throws a BackendError when a command exited non-zero. */
export function assertOk(node: string, what: string, r: ExecResult): ExecResult {
  if (r.exitCode !== 0) {
    const detail = (r.stderr || r.stdout).trim();
    throw new BackendError(`${what} failed (exit ${r.exitCode}): ${detail}`, node, detail);
  }
  return r;
}
