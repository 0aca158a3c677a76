// The record of a running lab, kept on disk so any later command in another process finds it.
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessRecord } from '../backends/backend.js';
import type { ClusterState, Transition } from '../schemes/cluster-state.js';
import type { LinkShape, Topology } from '../topology/types.js';
import { checkLabName, isLabName } from '../util/lab-name.js';
import { LabError, UsageError } from '../util/errors.js';
import { labDir, logDir, stateFile, stateRoot } from './paths.js';

/** watchd, the failure detector: a host process (not in any node), tracked by pid and start time. */
export interface WatchdRecord {
  pid: number;
  /** /proc/PID/stat start time, so a recycled pid is never mistaken for it */
  startTime: string;
  argv: string[];
  /** the daemon's own output (errors) */
  logFile: string;
  /** its events, one JSON object a line */
  eventsFile: string;
  intervalMs: number;
  misses: number;
  startedAt: string;
  /** servers watchd took out of the dispatch function; it puts back only these */
  down: string[];
}

/** A failure injected with `lab kill|stop|link`; `lab revive` (or `link up`) clears it. */
export interface NodeFailure {
  kind: 'killed' | 'stopped' | 'link-down';
  since: string;
}

export interface LabState {
  name: string;
  backend: 'netns' | 'docker';
  /** creating: `up` has not finished (or was killed); up: ready */
  phase: 'creating' | 'up';
  topologyFile: string;
  topology: Topology;
  /** indexes of servers the dispatch function currently treats as alive (ClusterState) */
  alive: ClusterState['alive'];
  processes: ProcessRecord[];
  createdAt: string;
  /** pid of the `lab up` that created it */
  ownerPid: number;
  /** the failure detector, when it runs */
  watchd?: WatchdRecord;
  /** schemes with dispatchers: the dispatcher the router sends ghost packets to (default: the first) (ClusterState) */
  activeDispatcher?: string;
  /** watchd's probe routes are on the router (ClusterState) */
  probes?: boolean;
  /** servers drained: out of the function, still serving their connections (ClusterState) */
  drained?: number[];
  /** a graceful change in force (ClusterState) */
  transition?: Transition;
  /** the last look at the connections a transition waits for */
  transitionCheck?: { at: number; connectionsLeft: number };
  /** nodes with an injected failure */
  failures?: Record<string, NodeFailure>;
  /** nodes with injected packet loss: percent dropped on their LAN interface, each way */
  loss?: Record<string, number>;
  /** nodes whose LAN interface egress `lab shape` set (an empty shape: off), kept over revive and link up */
  shape?: Record<string, LinkShape>;
}

/** The cluster as it is now, the input of planLab beside the topology. */
export function clusterState(state: LabState): ClusterState {
  return {
    alive: [...state.alive],
    activeDispatcher: state.activeDispatcher ?? state.topology.dispatchers[0]?.name,
    probes: state.probes ?? false,
    ...(state.drained?.length ? { drained: [...state.drained] } : {}),
    ...(state.transition ? { transition: state.transition } : {}),
  };
}

/** Whether a node was killed (`lab kill`): plan changes leave it alone; `revive` applies its whole plan. */
export function isKilled(state: LabState, node: string): boolean {
  return state.failures?.[node]?.kind === 'killed';
}

/** Records a cluster state in the lab's state. */
export function setClusterState(state: LabState, cluster: ClusterState): void {
  state.alive = [...cluster.alive];
  if (cluster.activeDispatcher !== undefined) state.activeDispatcher = cluster.activeDispatcher;
  state.probes = cluster.probes;
  if (cluster.drained?.length) state.drained = [...cluster.drained];
  else delete state.drained;
  if (cluster.transition) {
    if (state.transition?.started !== cluster.transition.started) delete state.transitionCheck;
    state.transition = cluster.transition;
  } else {
    delete state.transition;
    delete state.transitionCheck;
  }
}

/** Claims the lab's folder; fails when a lab of that name exists. */
export async function claimLab(name: string): Promise<void> {
  await mkdir(stateRoot(), { recursive: true });
  try {
    await mkdir(labDir(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LabError(`a lab named "${name}" exists already: \`./lab down --name ${name}\` first, or pick another --name`);
    }
    throw err;
  }
  await mkdir(logDir(name), { recursive: true });
}

export async function writeState(state: LabState): Promise<void> {
  const tmp = `${stateFile(state.name)}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, stateFile(state.name));
}

export async function readState(name: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(name), 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError(`state of lab "${name}" is unreadable (${(err as Error).message}); \`./lab clean\` removes it`);
  }
}

/** Names of labs that have a state folder (running, or left by a crash). */
export async function listLabNames(): Promise<string[]> {
  try {
    const entries = await readdir(stateRoot(), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isLabName(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function removeLabDir(name: string): Promise<void> {
  await rm(labDir(name), { recursive: true, force: true });
}

/** The lab a command means: the named one, or the only one running. */
export async function findLab(name?: string): Promise<LabState> {
  if (name !== undefined) {
    const state = await readState(checkLabName(name));
    if (!state) throw new LabError(`no lab named "${name}" is running`);
    return state;
  }
  const names = await listLabNames();
  if (names.length === 0) throw new LabError('no lab is running: start one with `./lab up -t topologies/routing.yaml`');
  if (names.length > 1) throw new UsageError(`several labs are running (${names.join(', ')}): say which with --name`);
  return findLab(names[0]);
}

function lockFile(name: string): string {
  return join(labDir(name), 'state.lock');
}

/** Whether the process that wrote a lock file is gone (the lock is then stale). */
async function lockIsStale(file: string): Promise<boolean> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return false; // being written right now
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function acquireLock(name: string, timeoutMs: number): Promise<void> {
  const file = lockFile(name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LabError(`lab "${name}" is gone (its state folder was removed)`);
      if (code !== 'EEXIST') throw err;
    }
    if (await lockIsStale(file)) await rm(file, { force: true });
    else if (Date.now() > deadline) throw new LabError(`the state of lab "${name}" stayed locked for ${timeoutMs} ms (${file})`);
    else await sleep(5);
  }
}

/**
 * Runs fn while holding the lab's state lock (a file created exclusively, naming our pid), so read-change-write
 * sequences of different processes (watchd, kill, revive) never lose each other's changes. Not re-entrant.
 */
export async function withStateLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 15000): Promise<T> {
  await acquireLock(name, timeoutMs);
  try {
    return await fn();
  } finally {
    await rm(lockFile(name), { force: true });
  }
}

/**
 * Lock, read, change, write: reads the lab's state afresh under its lock, lets `change` edit it, writes it back, and
 * returns what `change` returned. With `into`, the state read is copied into that object first (a RunningLab's
 * in-memory state), so the caller works on, and keeps, the state as it is now. The one read-change-write of the lab.
 */
export async function updateLab<T>(name: string, change: (state: LabState) => T | Promise<T>, options: { into?: LabState; timeoutMs?: number } = {}): Promise<T> {
  return withStateLock(name, async () => {
    const fresh = await readState(name);
    if (!fresh) throw new LabError(`no lab named "${name}" is running`);
    const state = options.into ? replaceContents(options.into, fresh) : fresh;
    const result = await change(state);
    await writeState(state);
    return result;
  }, options.timeoutMs);
}

/** Makes `target` equal to `source` in place (keys missing from source are removed). */
export function replaceContents(target: LabState, source: LabState): LabState {
  for (const key of Object.keys(target) as (keyof LabState)[]) if (!(key in source)) delete target[key];
  return Object.assign(target, source);
}
