// The load generator following one redirect: into the allowed networks on a connection of its own (2 connections per request), never outside them.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { drawFromPopulation } from '../../src/load/client-set.js';
import { RedirectPolicy, connectionsPerRequest, parseFollowRedirects } from '../../src/load/redirect.js';
import { runLoad, type LoadOptions } from '../../src/load/run-load.js';
import { parseLoadArgs } from '../../src/load/options.js';
import { LoadUsageError } from '../../src/load/errors.js';

const ADDRESSES = drawFromPopulation('127.1.0.0/16', 50, 3);

/** A front answering every request with a 302 to `location(path)`; counts the requests it got. */
async function front(location: (path: string) => string): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createHttpServer((req, res) => {
    hits++;
    res.writeHead(302, { Location: location(req.url ?? '/'), 'Content-Length': '0' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, hits: () => hits, close: () => new Promise((r) => server.close(() => r())) };
}

/** A server answering with its name in X-Served-By, and the path it was asked for in the body. */
async function backend(name: string): Promise<{ port: number; paths: string[]; close: () => Promise<void> }> {
  const paths: string[] = [];
  const server = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(200, { 'X-Served-By': name, 'Content-Length': String(name.length) });
    res.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
  return { port: (server.address() as AddressInfo).port, paths, close: () => new Promise((r) => server.close(() => r())) };
}

function options(port: number, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    target: '127.0.0.1',
    port,
    path: '/bytes/7',
    mode: 'close',
    loop: { kind: 'closed', concurrency: 4 },
    durationMs: 400,
    timeoutMs: 2000,
    clients: { addresses: ADDRESSES, weights: null },
    records: true,
    ...over,
  };
}

t.test('RedirectPolicy: absolute http URLs into the networks, paths on the target; anything else refused', async (t) => {
  const p = new RedirectPolicy(['10.0.1.0/24', '10.0.0.100']);
  const from = { host: '10.0.0.100', port: 80 };
  t.match(p.target('http://10.0.1.12/x?y=1', from), { host: '10.0.1.12', port: 80, path: '/x?y=1' });
  t.match(p.target('http://10.0.1.12:8080/', from), { host: '10.0.1.12', port: 8080, path: '/' });
  t.match(p.target('http://10.0.1.12', from), { path: '/' });
  t.match(p.target('/other', from), { host: '10.0.0.100', path: '/other' });
  t.same(p.target('http://192.0.2.1/', from), { error: 'REDIRECT_OUTSIDE_LAB' });
  t.same(p.target('http://10.0.2.1/', from), { error: 'REDIRECT_OUTSIDE_LAB' });
  t.same(p.target('https://10.0.1.12/', from), { error: 'REDIRECT_BAD_LOCATION' });
  t.same(p.target('http://example.org/', from), { error: 'REDIRECT_NOT_IPV4' });
  t.same(p.target('', from), { error: 'REDIRECT_BAD_LOCATION' });
  const ok = p.target('http://10.0.1.12/a', from);
  t.ok('request' in ok && ok.request.toString('latin1') === 'GET /a HTTP/1.1\r\nHost: 10.0.1.12\r\nConnection: close\r\n\r\n', 'the second request closes its connection');
  t.throws(() => parseFollowRedirects('10.0.1.0/33'));
  t.equal(connectionsPerRequest({ 1: 3, 2: 1 }), 1.25);
  t.equal(connectionsPerRequest({}), null);
});

t.test('--follow-redirects: parsed into networks; a bad one is a usage error naming the flag', async (t) => {
  const base = ['--target', '10.0.0.100', '--rate', '10', '--population', '198.18.128.0/17'];
  t.same(parseLoadArgs([...base, '--follow-redirects', '10.0.1.0/24,10.0.0.100/32']).load.followRedirects, ['10.0.1.0/24', '10.0.0.100/32']);
  t.equal(parseLoadArgs(base).load.followRedirects, undefined);
  t.throws(() => parseLoadArgs([...base, '--follow-redirects', 'nonsense']), LoadUsageError);
});

for (const mode of ['close', 'keepalive'] as const) {
  t.test(`${mode}: every request redirected once, answered by the server of the Location, 2 connections each`, async (t) => {
    const server = await backend('s2');
    const fr = await front((path) => `http://127.0.0.2:${server.port}${path}`);
    t.teardown(async () => {
      await fr.close();
      await server.close();
    });
    const r = await runLoad(options(fr.port, { mode, followRedirects: ['127.0.0.0/8'] }));
    t.ok(r.requests.ok > 0, `answers: ${r.requests.ok}`);
    t.equal(r.requests.errors, 0, `no errors: ${JSON.stringify(r.errors_by_kind)} ${JSON.stringify(r.errors_other_codes)}`);
    t.same(Object.keys(r.servers), ['s2'], 'the served-by server is the one that finally answered');
    t.equal(r.connections_per_request, 2);
    t.same(r.connections_per_request_counts, { 2: r.requests.ok });
    t.ok(r.records!.every((x) => x[3] === 's2' && x[4] === 2), 'every record: s2, 2 connections');
    t.equal(fr.hits(), r.requests.sent, 'the front got every request once');
    t.ok(server.paths.every((p) => p === '/bytes/7'), 'the path is kept');
    if (mode === 'close') t.equal(r.connections.opened, 2 * r.requests.sent, 'close mode: two connections opened per request');
    else t.ok(r.connections.opened >= r.requests.sent + 1 && r.connections.opened <= r.requests.sent + ADDRESSES.length, 'keepalive: front connections pooled, one more per redirect');
  });
}

t.test('a Location outside the allowed networks is an error, never followed; without --follow-redirects a 302 is an error', async (t) => {
  const server = await backend('s0');
  const fr = await front(() => `http://127.0.0.2:${server.port}/`);
  t.teardown(async () => {
    await fr.close();
    await server.close();
  });
  const outside = await runLoad(options(fr.port, { followRedirects: ['10.0.1.0/24'] }));
  t.equal(outside.requests.ok, 0);
  t.equal(outside.errors_by_kind.other, outside.requests.sent, 'every request an error of kind other');
  t.same(outside.errors_other_codes, { REDIRECT_OUTSIDE_LAB: outside.requests.sent });
  t.equal(server.paths.length, 0, 'the server outside was never connected to');
  t.equal(outside.connections_per_request, 1, 'no second connection was used');
  const off = await runLoad(options(fr.port));
  t.equal(off.errors_by_kind.http_302, off.requests.sent, 'not following: every 302 is an error');
  t.equal(off.connections_per_request, 1);
  t.equal(server.paths.length, 0);
});

t.test('only one redirect is followed: a second 302 is an error of its own', async (t) => {
  const second = await front(() => 'http://127.0.0.1:9/');
  const fr = await front(() => `http://127.0.0.1:${second.port}/`);
  t.teardown(async () => {
    await fr.close();
    await second.close();
  });
  const r = await runLoad(options(fr.port, { followRedirects: ['127.0.0.0/8'] }));
  t.equal(r.errors_by_kind.http_302, r.requests.sent);
  t.equal(r.connections_per_request, 2);
});
