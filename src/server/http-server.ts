// The lab's HTTP server on each server node: GET / (name + X-Served-By), /bytes/N, /health; CLI when run directly.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { isMainModule } from '../util/main-module.js';

/** Largest body GET /bytes/N will send: 100 MiB. */
export const MAX_BYTES = 100 * 1024 * 1024;

export interface HttpServerOptions {
  name: string;
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  host?: string;
  /** How long an idle keep-alive connection stays open (ms); default 65 s, longer than any lab run's gaps. */
  keepAliveTimeoutMs?: number;
}

export interface RunningHttpServer {
  server: Server;
  name: string;
  host: string;
  port: number;
  /** Stops accepting, closes idle connections now and busy ones after `graceMs` (default 2000). */
  close(graceMs?: number): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** N of /bytes/N as a number, or null when it is not a plain decimal integer in [0, MAX_BYTES]. */
export function parseByteCount(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n <= MAX_BYTES ? n : null;
}

function sendBytes(res: ServerResponse, headers: Record<string, string>, n: number): void {
  res.writeHead(200, { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(n) });
  let left = n;
  const pump = (): void => {
    while (left > 0 && !res.destroyed) {
      const len = Math.min(left, CHUNK.length);
      left -= len;
      if (!res.write(len === CHUNK.length ? CHUNK : CHUNK.subarray(0, len))) {
        res.once('drain', pump);
        return;
      }
    }
    if (left === 0) res.end();
  };
  pump();
}

function handler(name: string): (req: IncomingMessage, res: ServerResponse) => void {
  const rootBody = Buffer.from(`${name}\n`);
  const okBody = Buffer.from('ok\n');
  const base = { 'x-served-by': name };
  const text = (res: ServerResponse, status: number, body: Buffer | string, extra: Record<string, string> = {}): void => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { ...base, ...extra, 'content-type': 'text/plain', 'content-length': String(b.length) });
    res.end(b);
  };
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    if (path === '/') return text(res, 200, rootBody);
    if (path === '/health') return text(res, 200, okBody);
    if (path.startsWith('/bytes/')) {
      const n = parseByteCount(path.slice('/bytes/'.length));
      if (n === null) return text(res, 400, `bad byte count (0..${MAX_BYTES}): ${path.slice(7)}\n`);
      if (req.method === 'HEAD') {
        res.writeHead(200, { ...base, 'content-type': 'application/octet-stream', 'content-length': String(n) });
        return void res.end();
      }
      return sendBytes(res, base, n);
    }
    return text(res, 404, 'not found\n');
  };
}

/** Starts the server and resolves once it listens. */
export function startHttpServer(opts: HttpServerOptions): Promise<RunningHttpServer> {
  const host = opts.host ?? '0.0.0.0';
  const server = createServer({ keepAliveTimeout: opts.keepAliveTimeoutMs ?? 65_000 }, handler(opts.name));
  server.headersTimeout = 20_000;
  server.requestTimeout = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const close = (graceMs = 2000): Promise<void> =>
        new Promise((done) => {
          const force = setTimeout(() => server.closeAllConnections(), graceMs);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            done();
          });
          server.closeIdleConnections();
        });
      resolve({ server, name: opts.name, host, port, close });
    });
  });
}

async function main(argv: string[]): Promise<void> {
  let values: { name?: string; port?: string; host?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { name: { type: 'string' }, port: { type: 'string', default: '80' }, host: { type: 'string', default: '0.0.0.0' } } }));
  } catch (e) {
    console.error(`http-server: ${(e as Error).message}`);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!values.name) {
    console.error('http-server: --name is required');
    process.exit(2);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`http-server: --port must be an integer 0..65535, got "${values.port}"`);
    process.exit(2);
  }
  const running = await startHttpServer({ name: values.name, port, host: values.host });
  console.log(`http-server ${running.name} listening on ${running.host}:${running.port}`);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void running.close().then(() => process.exit(0)));
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`http-server: ${(e as Error).message}`);
    process.exit(1);
  });
}
