// One HTTP/1.1 request/response over a raw net socket bound to a client source address (localAddress).
import { connect, type Socket } from 'node:net';
import type { BreakKind, ConnectionLife } from './connections.js';
import { ResponseParser, ResponseParseError } from './response-parser.js';
import type { ErrorKind } from './stats.js';

/** close = a new connection per request (Connection: close); keepalive = connections per client address reused. */
export type Mode = 'close' | 'keepalive';

/**
 * The request bytes, built once and written as is for every request. Kept as small as wrk's: HTTP/1.1 is
 * keep-alive by default, so only close mode adds a Connection header (each extra header costs the server time).
 */
export function buildRequest(host: string, port: number, path: string, mode: Mode): Buffer {
  const hostHeader = port === 80 ? host : `${host}:${port}`;
  const conn = mode === 'close' ? 'Connection: close\r\n' : '';
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n${conn}\r\n`, 'latin1');
}

/** One request in flight; `t0` is the time latency counts from, `deadline` when it times out. */
export class Exchange {
  done = false;
  conn: Connection | null = null;
  /** connections this request used: 1, or 2 once a redirect was followed (src/load/redirect.ts) */
  connections = 1;
  constructor(
    readonly client: number,
    readonly t0: number,
    readonly deadline: number,
  ) {}
}

/** What a connection reports to (the engine). */
export interface ExchangeSink {
  /** shared read buffer: data is parsed synchronously in the read callback and never kept */
  readonly readBuffer: Buffer;
  completed(ex: Exchange, conn: Connection): void;
  failed(ex: Exchange, kind: ErrorKind, code?: string): void;
  /** the connection ended by an error or the peer's close while no request was on it */
  lost(conn: Connection, kind: BreakKind): void;
  closed(conn: Connection): void;
}

/** Maps a socket error to an error kind (and the code kept for "other"). */
export function classifySocketError(err: NodeJS.ErrnoException): { kind: ErrorKind; code: string } {
  const code = err.code ?? err.name ?? 'unknown';
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'refused', code };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return { kind: 'reset', code };
    case 'ETIMEDOUT':
      return { kind: 'timeout', code };
    default:
      return { kind: 'other', code };
  }
}

/**
 * A client connection from `localAddress`; carries at most one exchange at a time (no pipelining).
 * After its 'close' it can be reconnected (`reconnect`), which saves building a new net.Socket per request.
 */
export class Connection {
  readonly socket: Socket;
  readonly parser = new ResponseParser();
  ex: Exchange | null = null;
  closed = false;
  /** true once 'close' was emitted: only then may the socket connect again */
  released = false;
  /**
   * Set when an exchange completed on it: the socket connected and flushed its writes. Only such sockets are
   * reused; one destroyed while connecting keeps a pending write and 'connect' listener that a reconnect would replay.
   */
  clean = false;
  idleSince = 0;
  uses = 0;
  /** a followed redirect's own connection (to the Location): never pooled, one request */
  redirected = false;

  constructor(
    private readonly sink: ExchangeSink,
    host: string,
    port: number,
    localAddress: string | undefined,
    public client: number,
    /** this connection's current life (a new one at each reconnect) */
    public life: ConnectionLife,
  ) {
    this.socket = connect({
      host,
      port,
      localAddress,
      noDelay: true,
      onread: { buffer: sink.readBuffer, callback: (n: number, buf: Uint8Array) => this.onRead(buf as Buffer, n) },
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => this.onError(e));
    this.socket.on('close', () => this.onClose());
  }

  /** Connects the closed socket again (Node supports connect() after 'close'), possibly from another address. */
  reconnect(host: string, port: number, localAddress: string | undefined, client: number, life: ConnectionLife): void {
    if (!this.released) throw new Error('reconnect before close');
    this.client = client;
    this.life = life;
    this.ex = null;
    this.closed = false;
    this.released = false;
    this.clean = false;
    this.uses = 0;
    this.redirected = false;
    this.socket.connect({ host, port, localAddress });
  }

  send(ex: Exchange, request: Buffer): void {
    this.ex = ex;
    ex.conn = this;
    this.uses++;
    this.clean = false;
    this.parser.reset();
    this.socket.write(request);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onRead(buf: Buffer, n: number): boolean {
    const ex = this.ex;
    if (ex === null || ex.done) {
      // bytes nobody asked for (or for a timed-out request): this connection cannot be reused
      this.destroy();
      this.sink.lost(this, 'other');
      return false;
    }
    let complete: boolean;
    try {
      complete = this.parser.feed(buf, 0, n);
    } catch (e) {
      this.destroy();
      this.sink.failed(ex, 'other', e instanceof ResponseParseError ? e.code : 'EPARSE');
      return false;
    }
    if (complete) {
      this.clean = true;
      this.sink.completed(ex, this);
    }
    return true;
  }

  private onError(e: NodeJS.ErrnoException): void {
    this.closed = true;
    this.clean = false;
    const ex = this.ex;
    const { kind, code } = classifySocketError(e);
    if (ex !== null && !ex.done) this.sink.failed(ex, kind, code);
    else this.sink.lost(this, kind === 'timeout' || kind === 'refused' || kind === 'reset' ? kind : 'other');
  }

  private onClose(): void {
    // not closed by us (destroy) nor by an error: the peer closed it
    const byPeer = !this.closed;
    this.closed = true;
    const ex = this.ex;
    if (ex !== null && !ex.done) {
      // a body delimited by the close is complete now; anything else is a premature close
      if (this.parser.endsAtEof) {
        this.clean = true;
        this.sink.completed(ex, this);
      } else this.sink.failed(ex, 'reset', 'EOF');
    } else if (byPeer) this.sink.lost(this, 'closed');
    this.released = true;
    this.sink.closed(this);
  }
}
