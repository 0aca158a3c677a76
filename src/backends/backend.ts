// The backend contract: nodes, networks, links, exec and processes; nothing about ONE-IP.
import type { FileChunk } from '../util/file-chunk.js';
import { LabError } from '../util/errors.js';

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

/** Exit code of a command the timeout ended, as timeout(1) reports. */
export const TIMEOUT_EXIT_CODE = 124;

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
export type LogChunk = FileChunk;

export interface FollowOptions {
  /** the follow ended by itself (a stopped container's stream closed): the caller may follow again from where it got to */
  onEnd?: () => void;
  /** how often a host file is read besides inotify's wake-ups (default 50 ms) */
  pollMs?: number;
}

export interface Backend {
  readonly kind: 'netns' | 'docker';
  /** Builds networks, nodes, links, addresses and sysctls. Partial failure leaves only prefixed objects. */
  create(spec: LabSpec): Promise<void>;
  /** Adds nodes to a lab that create() built (their networks exist); partial failure leaves only prefixed objects. */
  addNodes(nodes: NodeSpec[]): Promise<void>;
  /** Removes these nodes with their links and processes; names already gone are fine. */
  removeNodes(names: string[]): Promise<void>;
  /** Runs argv inside a node and returns its exit code and output. */
  exec(node: string, argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running process inside a node. */
  spawn(node: string, name: string, argv: string[], options: SpawnOptions): Promise<ProcessRecord>;
  /** Whether the recorded process is still alive. */
  isRunning(record: ProcessRecord): Promise<boolean>;
  /** Ends a process the lab started: SIGTERM, then SIGKILL after the timeout. */
  stop(record: ProcessRecord, timeoutMs?: number): Promise<void>;
  /**
   * A spawned process's log from byte `offset` on, and the file's size; undefined while the file does not exist.
   * An offset at or past the end gives no data, only the size.
   */
  readLog(node: string, file: string, offset: number): Promise<LogChunk | undefined>;
  /** Hands over a log from byte `offset` on as it grows, until the returned stop is called or options.onEnd says it ended. */
  followLog(node: string, file: string, offset: number, onData: (data: Buffer) => void, options?: FollowOptions): Promise<() => Promise<void>>;
  /** Sets a node's interface administratively up or down. */
  setLink(node: string, ifname: string, up: boolean): Promise<void>;
  /** Failure hook, as a crashed machine: every process of the node dies at once and its links drop. */
  kill(node: string): Promise<void>;
  /** Brings a killed node back with its links (not its plan or processes: the caller re-applies and restarts them). */
  revive(node: string): Promise<void>;
  /** Removes everything of the lab; fine when nothing is left. */
  destroy(): Promise<void>;
  /**
   * The argv prefix that runs a host program inside the node's network namespace (the node's interfaces, the
   * host's files), e.g. a host tool writing a host file; undefined when that namespace is not on this host.
   */
  hostNetnsCommand?(node: string): Promise<string[] | undefined>;
}

/** A backend operation that failed (exit code 1), naming the node it concerns when there is one. */
export class BackendError extends LabError {
  override name = 'BackendError';

  constructor(
    message: string,
    readonly node?: string,
    readonly detail?: string,
  ) {
    super(node ? `${node}: ${message}` : message);
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
