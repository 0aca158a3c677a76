// Reads /proc/PID/stat: a process's state and start time, so a recycled pid is never mistaken for ours.
import { readFile } from 'node:fs/promises';

export interface ProcStat {
  /** field 3: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  /** field 22, in clock ticks since boot */
  startTime: string;
}

/** State and start time from a /proc/PID/stat line; null when it is not one. */
export function parseStat(text: string): ProcStat | null {
  // the command name (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const rest = text.slice(close + 2).trim().split(' ');
  if (rest.length < 20) return null;
  return { state: rest[0]!, startTime: rest[19]! };
}

/** A host process's state and start time; null when the pid does not exist. */
export async function readStat(pid: number): Promise<ProcStat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text === undefined ? null : parseStat(text);
}

/** Whether a stat says the process runs: not a zombie, not dead. */
export function isLive(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}
