// watchd's events: appended as JSON lines to logs/watchd-events.jsonl, read back and shown by `lab logs watchd` and `lab status`.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { logDir } from './paths.js';

export type WatchdEventKind =
  | 'started'
  | 'detected'
  | 'reconfigured'
  | 'recovered'
  | 'dispatcher-failover'
  | 'blind'
  | 'sighted'
  | 'prober-restarted'
  | 'error'
  | 'stopped'
  | 'dispatch-changed'
  | 'transition-ended';

export interface WatchdEvent {
  /** ms since the epoch */
  t: number;
  /** the same instant, ISO 8601 */
  ts: string;
  event: WatchdEventKind;
  /** the server or dispatcher concerned */
  node?: string;
  role?: 'server' | 'dispatcher';
  /** detected: missed rounds, start of the first, the last reason */
  misses?: number;
  first_miss_t?: number;
  error?: string;
  /** reconfigured: what changed and the alive set after it */
  down?: string[];
  up?: string[];
  alive?: string[];
  /** dispatcher-failover */
  from?: string;
  to?: string;
  /** reconfigured, dispatcher-failover: how long applying the change took */
  apply_ms?: number;
  /** started: the configuration */
  interval_ms?: number;
  prober_pid?: number;
  message?: string;
  /** dispatch-changed: client addresses of the population the change moves, n after it, and whether a transition started */
  moved_clients?: number;
  servers?: number;
  graceful?: boolean;
  /** transition-ended: connections of moved clients left on their old owners (reset when it timed out) */
  connections_left?: number;
}

export function eventsFile(lab: string): string {
  return join(logDir(lab), 'watchd-events.jsonl');
}

export function makeEvent(event: WatchdEventKind, fields: Omit<WatchdEvent, 't' | 'ts' | 'event'> = {}, t = Date.now()): WatchdEvent {
  return { t, ts: new Date(t).toISOString(), event, ...fields };
}

export async function appendEvent(file: string, e: WatchdEvent): Promise<void> {
  await appendFile(file, `${JSON.stringify(e)}\n`);
}

/** Every event in the file (none when it does not exist); lines that are not events are skipped. */
export async function readEvents(file: string): Promise<WatchdEvent[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      const e = JSON.parse(line) as WatchdEvent;
      return typeof e.t === 'number' && typeof e.event === 'string' ? [e] : [];
    } catch {
      return [];
    }
  });
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

/** What an event says, in words. */
function describe(e: WatchdEvent): string {
  const first = e.first_miss_t !== undefined ? `, first miss at ${clock(e.first_miss_t)}` : '';
  switch (e.event) {
    case 'started':
      return `probing every ${e.interval_ms} ms, ${e.misses} misses to fail (prober pid ${e.prober_pid} in the router)`;
    case 'detected':
      return `${e.node} (${e.role}) failed: ${e.misses} missed rounds${first}, last: ${e.error}`;
    case 'reconfigured':
      return `${[...(e.down ?? []).map((s) => `${s} out`), ...(e.up ?? []).map((s) => `${s} back`)].join(', ')}; alive ${(e.alive ?? []).join(' ')} (applied in ${e.apply_ms} ms)`;
    case 'recovered':
      return `${e.node} (${e.role}) answers again`;
    case 'dispatcher-failover':
      return `the router's ghost route now points to ${e.to} instead of ${e.from} (applied in ${e.apply_ms} ms)`;
    case 'blind':
      return `every server missed the same round (${e.error}): the router cannot see, nothing is judged until it can`;
    case 'sighted':
      return 'the router sees the servers again';
    default:
      return e.message ?? e.node ?? '';
  }
}

/** "12:00:01.234  detected             s1 (server) failed: ..." (UTC clock). */
export function formatEvent(e: WatchdEvent): string {
  return `${clock(e.t)}  ${e.event.padEnd(20)} ${describe(e)}`;
}
