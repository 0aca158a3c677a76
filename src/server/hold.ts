// Keep-alive connection holder run inside a lab node: one connection per source address, a request on each every interval,
// until SIGTERM; then one JSON line per connection (who answered, how many, whether it broke). Used by tests and bench:transition.
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

export interface HeldConnection {
  client: string;
  /** ms after the holder started when the connection was established (-1: never) */
  opened_ms: number;
  /** the servers that answered it, in order, each once per run of answers */
  served: string[];
  requests: number;
  /** why it ended before the holder was told to stop: reset, timeout, closed, connect error */
  broken: string | null;
  /** ms after the holder started when it broke */
  broken_ms?: number;
}

const HEAD_END = '\r\n\r\n';

class Held {
  readonly record: HeldConnection;
  private buffer = '';
  private socket?: Socket;
  private timer?: NodeJS.Timeout;
  private inFlight = false;
  private stopping = false;

  constructor(
    client: string,
    private readonly target: string,
    private readonly port: number,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly t0: number,
  ) {
    this.record = { client, opened_ms: -1, served: [], requests: 0, broken: null };
  }

  open(): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ host: this.target, port: this.port, localAddress: this.record.client });
      this.socket = s;
      s.setNoDelay(true);
      s.setTimeout(this.timeoutMs, () => this.fail('timeout'));
      s.once('connect', () => {
        this.record.opened_ms = Date.now() - this.t0;
        this.send();
        resolve();
      });
      s.on('data', (d: Buffer) => this.receive(d.toString('latin1')));
      s.on('error', (e: NodeJS.ErrnoException) => {
        this.fail(e.code ?? e.message);
        resolve();
      });
      s.on('close', () => this.fail('closed'));
    });
  }

  private send(): void {
    if (this.stopping || this.record.broken) return;
    this.inFlight = true;
    this.socket!.write(`GET /health HTTP/1.1\r\nHost: ${this.target}\r\n\r\n`);
  }

  private receive(text: string): void {
    this.buffer += text;
    for (;;) {
      const end = this.buffer.indexOf(HEAD_END);
      if (end < 0) return;
      const head = this.buffer.slice(0, end);
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      this.buffer = this.buffer.slice(end + 4 + length);
      const who = /\r\nx-served-by:\s*(\S+)/i.exec(head)?.[1] ?? '?';
      if (this.record.served.at(-1) !== who) this.record.served.push(who);
      this.record.requests++;
      this.inFlight = false;
      if (!this.stopping) this.timer = setTimeout(() => this.send(), this.intervalMs);
    }
  }

  private fail(why: string): void {
    if (this.stopping && !this.inFlight) return;
    if (this.record.broken) return;
    this.record.broken = why;
    this.record.broken_ms = Date.now() - this.t0;
    clearTimeout(this.timer);
    this.socket?.destroy();
  }

  /** Stops sending; waits for the answer in flight (bounded), then closes. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const deadline = Date.now() + graceMs;
    while (this.inFlight && !this.record.broken && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (this.inFlight && !this.record.broken) this.fail('timeout');
    this.socket?.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      port: { type: 'string', default: '80' },
      from: { type: 'string' },
      interval: { type: 'string', default: '200' },
      timeout: { type: 'string', default: '3000' },
    },
  });
  if (!values.target || !values.from) throw new Error('usage: hold --target ADDRESS --from A,B,C [--port 80] [--interval MS] [--timeout MS]');
  const t0 = Date.now();
  const held = values.from.split(',').map((c) => new Held(c, values.target!, Number(values.port), Number(values.interval), Number(values.timeout), t0));
  await Promise.all(held.map((h) => h.open()));
  console.log(JSON.stringify({ ready: held.filter((h) => h.record.opened_ms >= 0).length, of: held.length }));
  // the records are printed at SIGTERM: stay up even when every connection has broken (no socket left to keep node running)
  setInterval(() => undefined, 60_000);
  process.once('SIGTERM', () => {
    void Promise.all(held.map((h) => h.stop(2000))).then(() => {
      for (const h of held) console.log(JSON.stringify(h.record));
      console.log(JSON.stringify({ done: true }));
      process.exit(0);
    });
  });
}

void main().catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
