// Long-running processes inside containers, tracked by in-container pid and /proc start time (never by name).
import type { ExecResult } from '../backend.js';
import { parseStat, type ProcStat } from '../common/proc-stat.js';

/**
 * argv: ['sh', '-c', SPAWN, 'sh', LOGFILE, ...command]. Starts the command in the background with its output
 * appended to LOGFILE (a bind-mounted host folder) and stdin from /dev/null, so the exec's own stream closes at
 * once; prints the pid and its /proc stat line 100 ms later (a command that cannot start is a zombie by then: the
 * shell has not reaped it). The command is re-parented to tini (PID 1) when the shell exits.
 */
export const SPAWN_SCRIPT = [
  'log=$1; shift',
  'mkdir -p "$(dirname "$log")"',
  '"$@" >>"$log" 2>&1 </dev/null &',
  'pid=$!',
  'echo "$pid"',
  'sleep 0.1',
  'cat "/proc/$pid/stat" 2>/dev/null || true',
].join('\n');

/** Shell function: is $pid alive with start time $st (not a zombie)? */
const ALIVE = [
  'alive() {',
  '  s=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1',
  '  set -- ${s##*) }',
  '  [ "$1" != Z ] && [ "$1" != X ] && [ "${20}" = "$st" ]',
  '}',
].join('\n');

/** argv: ['sh', '-c', STATUS, 'sh', PID, STARTTIME]; exit 0 when alive. */
export const STATUS_SCRIPT = ['pid=$1; st=$2', ALIVE, 'alive'].join('\n');

/**
 * argv: ['sh', '-c', STOP, 'sh', PID, STARTTIME, TERM_TICKS]: SIGTERM, wait TERM_TICKS x 20 ms, SIGKILL, wait up to
 * 3 s. Exit 0 when the process is gone (or was never ours), 1 when it survived SIGKILL.
 */
export const STOP_SCRIPT = [
  'pid=$1; st=$2; ticks=$3',
  ALIVE,
  'alive || exit 0',
  'kill -TERM "$pid" 2>/dev/null || true',
  'n=0; while alive && [ $n -lt "$ticks" ]; do sleep 0.02; n=$((n+1)); done',
  'alive || exit 0',
  'kill -KILL "$pid" 2>/dev/null || true',
  'n=0; while alive; do [ $n -ge 150 ] && exit 1; sleep 0.02; n=$((n+1)); done',
  'exit 0',
].join('\n');

/** The pid and stat the spawn script printed; null when it printed something else. */
export function parseSpawnOutput(r: ExecResult): { pid: number; stat: ProcStat | null } | null {
  const [pidLine, statLine = ''] = r.stdout.split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, stat: parseStat(statLine) };
}
