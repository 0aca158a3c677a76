// Per-connection bookkeeping: when each connection opened, which servers answered it (as runs), how it ended, whether it broke.

/**
 * How a connection ended. Not broken: `requests` (it carried its requests: --requests-per-connection K, or the one
 * request of close mode), `run_end` (still open when the run ended), `idle` (closed by the generator after the idle
 * timeout), `server_close` (the server announced the close: Connection: close, HTTP/1.0, a body ended by the close).
 * Broken: `broken` (a request on it failed, or the server closed or reset it while idle before the run's end).
 */
export type ConnectionEnd = 'requests' | 'run_end' | 'idle' | 'server_close' | 'broken';

/** Why a broken connection broke: a request error kind, or `closed` (the peer closed or reset it while no request was on it). */
export type BreakKind = 'refused' | 'reset' | 'timeout' | 'other' | 'closed';

/** One connection of a run, as the result lists it (times in ms from the run's start, like the request records). */
export interface ConnectionRecord {
  /** client source address */
  client: string;
  /** local port (null when the connection never got one, e.g. refused) */
  port: number | null;
  opened_ms: number;
  closed_ms: number;
  /** responses completed on it */
  requests: number;
  /** X-Served-By of its responses in order, compressed as runs: [["s1", 12], ["s2", 3]] */
  servers: [string, number][];
  end: ConnectionEnd;
  broken: boolean;
  /** when it broke (null when not broken) */
  broken_ms: number | null;
  /** why it broke (null when not broken) */
  error: BreakKind | null;
}

/** The counters over every connection of a run: opened = completed + broken. */
export interface ConnectionSummary {
  opened: number;
  completed: number;
  broken: number;
  /** connections answered by more than one server */
  switched_server: number;
}

/** One connection's life, from connect to its end (a reconnected socket starts a new life). */
export class ConnectionLife {
  port: number | null = null;
  requests = 0;
  /** runs as [server, count, server, count, ...] when records are kept; else only the first server */
  runs: (string | number)[] | null;
  first: string | null = null;
  switched = false;
  ended = false;
  constructor(
    readonly client: number,
    readonly openedMs: number,
    keepRuns: boolean,
  ) {
    this.runs = keepRuns ? [] : null;
  }

  /** A response from `server` completed on this connection. */
  served(server: string): void {
    this.requests++;
    if (this.first === null) this.first = server;
    else if (server !== this.first) this.switched = true;
    const r = this.runs;
    if (r === null) return;
    const n = r.length;
    if (n > 0 && r[n - 2] === server) r[n - 1] = (r[n - 1] as number) + 1;
    else r.push(server, 1);
  }
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** The connection counters of one thread, and the records when kept. */
export class ConnectionLog {
  private readonly summary: ConnectionSummary = { opened: 0, completed: 0, broken: 0, switched_server: 0 };
  private readonly records: ConnectionRecord[] | undefined;

  constructor(
    private readonly addresses: readonly string[],
    keepRecords: boolean,
  ) {
    this.records = keepRecords ? [] : undefined;
  }

  opened(client: number, tMs: number): ConnectionLife {
    this.summary.opened++;
    return new ConnectionLife(client, tMs, this.records !== undefined);
  }

  /** Ends a life once (later calls are ignored); `error` marks it broken. */
  ended(life: ConnectionLife, tMs: number, end: ConnectionEnd, error: BreakKind | null = null): void {
    if (life.ended) return;
    life.ended = true;
    const broken = error !== null;
    if (broken) this.summary.broken++;
    else this.summary.completed++;
    if (life.switched) this.summary.switched_server++;
    if (this.records === undefined) return;
    const runs: [string, number][] = [];
    const r = life.runs!;
    for (let i = 0; i < r.length; i += 2) runs.push([r[i] as string, r[i + 1] as number]);
    this.records.push({
      client: this.addresses[life.client]!,
      port: life.port,
      opened_ms: round1(life.openedMs),
      closed_ms: round1(tMs),
      requests: life.requests,
      servers: runs,
      end: broken ? 'broken' : end,
      broken,
      broken_ms: broken ? round1(tMs) : null,
      error,
    });
  }

  snapshot(): { summary: ConnectionSummary; records?: ConnectionRecord[] } {
    return { summary: { ...this.summary }, ...(this.records ? { records: this.records } : {}) };
  }
}

/** Adds the connection counters of several threads. */
export function mergeConnectionSummaries(all: readonly ConnectionSummary[]): ConnectionSummary {
  const out: ConnectionSummary = { opened: 0, completed: 0, broken: 0, switched_server: 0 };
  for (const s of all) {
    out.opened += s.opened;
    out.completed += s.completed;
    out.broken += s.broken;
    out.switched_server += s.switched_server;
  }
  return out;
}
