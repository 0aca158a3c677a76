// Host processes of netns nodes, tracked by pid and /proc start time (never by name): alive, signalled, awaited until gone.
import { isLive, readStat } from '../common/proc-stat.js';

/** Whether the pid runs and is still the process that started at `startTime`. */
export async function isAlive(pid: number, startTime: string): Promise<boolean> {
  const st = await readStat(pid);
  return isLive(st) && st.startTime === startTime;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Waits until the process is gone; false when it still runs after the timeout. */
export async function waitGone(pid: number, startTime: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isAlive(pid, startTime))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
