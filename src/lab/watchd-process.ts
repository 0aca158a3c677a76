// Starting and stopping watchd, the host daemon of a lab (tracked by pid and start time, never by name), and its status.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStat } from '../backends/common/proc-stat.js';
import { LabError } from '../util/errors.js';
import { logDir } from './paths.js';
import { builtScript } from '../util/paths.js';
import type { RunningLab } from './running-lab.js';
import { updateLab, type LabState, type WatchdRecord } from './state.js';
import { waitFor } from '../util/poll.js';
import { eventsFile, readEvents, type WatchdEvent } from './watchd-events.js';

/** Whether the recorded daemon is alive (same pid and start time, not a zombie). */
export async function watchdAlive(w: WatchdRecord | undefined): Promise<boolean> {
  if (!w) return false;
  const st = await readStat(w.pid);
  return st !== null && st.startTime === w.startTime && st.state !== 'Z' && st.state !== 'X';
}

async function spawnDaemon(argv: string[], logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (e) => reject(new LabError(`cannot start watchd: ${e.message}`)));
    });
    child.unref();
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** The last lines of a file, for error messages. */
async function tailOf(file: string, lines = 5): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').slice(-lines).join(' | ');
}

/** Starts the daemon, records it in the lab's state, and returns once its prober has completed a round. */
export async function startWatchd(lab: RunningLab): Promise<WatchdRecord> {
  const t = lab.state.topology;
  const logFile = join(logDir(lab.name), 'watchd.log');
  const argv = [process.execPath, builtScript('watchd/main'), '--lab', lab.name];
  const since = Date.now();
  const pid = await spawnDaemon(argv, logFile);
  const stat = await readStat(pid);
  const record: WatchdRecord = {
    pid,
    startTime: stat?.startTime ?? '',
    argv,
    logFile,
    eventsFile: eventsFile(lab.name),
    intervalMs: t.watchd.intervalMs,
    misses: t.watchd.misses,
    startedAt: new Date(since).toISOString(),
    down: [],
  };
  await updateLab(lab.name, (s) => {
    s.watchd = record;
    s.activeDispatcher ??= t.dispatchers[0]?.name;
  });
  await waitFor('watchd to start probing', async () => {
    if ((await readEvents(record.eventsFile)).some((e) => e.event === 'started' && e.t >= since)) return true;
    if (!(await watchdAlive(record))) throw new LabError(`watchd exited at once: ${await tailOf(logFile)}`);
    return undefined;
  }, 20000, 25).catch(async (err: Error) => {
    await stopWatchd({ ...lab.state, watchd: record });
    throw new LabError(`${err.message} (log: ${logFile}: ${await tailOf(logFile)})`);
  });
  await lab.refresh();
  return record;
}

/** SIGTERM to the recorded daemon (it stops its prober), SIGKILL after the timeout; fine when it is gone. */
export async function stopWatchd(state: LabState, timeoutMs = 3000): Promise<void> {
  const w = state.watchd;
  if (!(await watchdAlive(w))) return;
  for (const [sig, wait] of [['SIGTERM', timeoutMs], ['SIGKILL', 3000]] as const) {
    try {
      process.kill(w!.pid, sig);
    } catch {
      return;
    }
    const deadline = Date.now() + wait;
    while (Date.now() < deadline) {
      if (!(await watchdAlive(w))) return;
      await sleep(20);
    }
  }
  throw new LabError(`watchd (pid ${w!.pid}) survived SIGKILL`);
}

export interface WatchdStatus {
  enabled: boolean;
  running: boolean;
  pid?: number;
  interval_ms: number;
  misses: number;
  /** servers watchd took out of the function */
  down: string[];
  active_dispatcher?: string;
  last_events: WatchdEvent[];
}

export async function watchdStatus(state: LabState, lastEvents = 5): Promise<WatchdStatus> {
  const t = state.topology;
  const w = state.watchd;
  const events = w ? await readEvents(w.eventsFile) : [];
  return {
    enabled: t.watchd?.enabled ?? false,
    running: await watchdAlive(w),
    ...(w ? { pid: w.pid } : {}),
    interval_ms: w?.intervalMs ?? t.watchd?.intervalMs ?? 0,
    misses: w?.misses ?? t.watchd?.misses ?? 0,
    down: w?.down ?? [],
    ...(t.dispatchers.length > 0 ? { active_dispatcher: state.activeDispatcher ?? t.dispatchers[0]!.name } : {}),
    last_events: events.slice(-lastEvents),
  };
}
