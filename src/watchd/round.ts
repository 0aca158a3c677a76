// One probe round as the prober prints it (a JSON line) and the daemon reads it back.

export interface ProbeRound {
  /** round number, from 0 */
  r: number;
  /** when the round started (ms since the epoch, router clock = host clock) */
  t: number;
  /** how long the round took */
  ms: number;
  /** targets that missed, with the reason (timeout, ECONNREFUSED, status 503, ...) */
  fail: Record<string, string>;
  /** dispatchers not judged this round: the server their probe went to missed its own probe */
  skip?: string[];
  /** the server the dispatcher probes went to */
  via?: string;
}

/** The round on a line of the prober's log, or undefined for any other line. */
export function parseRound(line: string): ProbeRound | undefined {
  if (!line.startsWith('{"r":')) return undefined;
  try {
    const v = JSON.parse(line) as ProbeRound;
    return typeof v.r === 'number' && typeof v.t === 'number' && typeof v.fail === 'object' && v.fail !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
