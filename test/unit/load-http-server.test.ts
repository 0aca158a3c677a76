// The lab's HTTP server: name + X-Served-By, /bytes/N, /health, 404/400, keep-alive, Connection: close, HTTP/1.0, SIGTERM.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { MAX_BYTES, parseByteCount, startHttpServer } from '../../src/server/http-server.js';

/** Sends raw request bytes on one connection and collects everything until the server closes (or `ms` passes). */
function rawExchange(port: number, request: string, ms = 1500): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: '127.0.0.1', port, localAddress: '127.3.0.9' });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: false });
    }, ms);
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: true });
    });
    s.write(request);
  });
}

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

t.test('parseByteCount', async (t) => {
  t.equal(parseByteCount('0'), 0);
  t.equal(parseByteCount('1024'), 1024);
  t.equal(parseByteCount(String(MAX_BYTES)), MAX_BYTES);
  for (const bad of ['', '-1', '1.5', 'abc', '1e3', String(MAX_BYTES + 1), '99999999999']) t.equal(parseByteCount(bad), null, bad);
});

t.test('answers', async (t) => {
  const srv = await startHttpServer({ name: 's7', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const base = `http://127.0.0.1:${srv.port}`;

  const root = await fetch(`${base}/`);
  t.equal(root.status, 200);
  t.equal(root.headers.get('x-served-by'), 's7');
  t.equal(await root.text(), 's7\n');

  const health = await fetch(`${base}/health`);
  t.equal(health.status, 200);
  t.equal((await health.text()).trim(), 'ok');

  const bytes = await fetch(`${base}/bytes/200000`);
  t.equal(bytes.status, 200);
  t.equal(bytes.headers.get('content-length'), '200000');
  t.equal(bytes.headers.get('x-served-by'), 's7');
  t.equal((await bytes.arrayBuffer()).byteLength, 200000);

  const zero = await fetch(`${base}/bytes/0`);
  t.equal((await zero.arrayBuffer()).byteLength, 0);

  for (const bad of ['/bytes/x', '/bytes/-3', `/bytes/${MAX_BYTES + 1}`]) {
    const r = await fetch(`${base}${bad}`);
    t.equal(r.status, 400, bad);
    await r.text();
  }
  const missing = await fetch(`${base}/nope`);
  t.equal(missing.status, 404);
  t.equal(missing.headers.get('x-served-by'), 's7');
  await missing.text();
  const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
  t.equal(post.status, 405);
  await post.text();
});

t.test('keep-alive, Connection: close and HTTP/1.0', async (t) => {
  const srv = await startHttpServer({ name: 'ka', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());

  // two requests on one connection, both answered, connection left open
  const two = await rawExchange(srv.port, get('/') + get('/health'), 400);
  t.equal(two.text.match(/HTTP\/1\.1 200 OK/g)?.length, 2, 'two answers on one connection');
  t.notOk(two.closedByServer, 'keep-alive connection stays open');
  t.match(two.text, /x-served-by: ka/i);

  const closed = await rawExchange(srv.port, get('/', 'Connection: close\r\n'));
  t.ok(closed.closedByServer, 'Connection: close honoured');
  t.match(closed.text, /^HTTP\/1\.1 200 OK/);
  t.match(closed.text, /ka\n$/);

  const old = await rawExchange(srv.port, 'GET / HTTP/1.0\r\n\r\n');
  t.ok(old.closedByServer, 'HTTP/1.0 without keep-alive is closed');
  t.match(old.text, /ka\n$/);
});

t.test('CLI: listens, answers, exits 0 on SIGTERM; bad flags exit 2', async (t) => {
  const script = fileURLToPath(new URL('../../src/server/http-server.ts', import.meta.url));
  const run = (args: string[]) => spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

  const bad = run(['--port', '80']);
  let badErr = '';
  bad.stderr.on('data', (c) => (badErr += c));
  const badCode = await new Promise((resolve) => bad.on('exit', resolve));
  t.equal(badCode, 2);
  t.match(badErr, /--name is required/);

  const child = run(['--name', 'cli0', '--port', '0', '--host', '127.0.0.1']);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const r = await fetch(`http://127.0.0.1:${port}/`);
  t.equal(r.headers.get('x-served-by'), 'cli0');
  await r.text();
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  t.same(await exited, { code: 0, signal: null }, 'clean exit on SIGTERM');
});
