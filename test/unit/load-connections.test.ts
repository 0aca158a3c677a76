// Per-connection records of the load generator against in-process servers: lifetimes, K requests, breaks, server switches.
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { drawFromPopulation } from '../../src/load/client-set.js';
import type { ConnectionRecord } from '../../src/load/connections.js';
import { parseLoadArgs } from '../../src/load/options.js';
import { runLoad, startLoad, type LoadOptions, type LoadResult } from '../../src/load/run-load.js';
import { startHttpServer } from '../../src/server/http-server.js';

const ADDRESSES = drawFromPopulation('127.2.0.0/16', 20, 11);

function options(port: number, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    target: '127.0.0.1',
    port,
    path: '/',
    mode: 'keepalive',
    loop: { kind: 'closed', concurrency: 1 },
    durationMs: 500,
    timeoutMs: 1000,
    clients: { addresses: ADDRESSES, weights: null },
    connectionRecords: true,
    ...over,
  };
}

/** The invariants of every result: opened = completed + broken = records, responses add up, broken ones say when and why. */
function consistent(t: Test, r: LoadResult): ConnectionRecord[] {
  const c = r.connections;
  const recs = r.connection_records ?? [];
  t.equal(c.opened, c.completed + c.broken, 'opened = completed + broken');
  t.equal(recs.length, c.opened, 'a record per connection opened');
  t.equal(recs.filter((x) => x.broken).length, c.broken, 'broken records = broken count');
  t.equal(recs.filter((x) => x.servers.length > 1).length, c.switched_server, 'switched_server = records with more than one server');
  // every response completed on some connection: 2xx ones are the ok requests
  t.equal(
    recs.reduce((a, x) => a + x.requests, 0),
    r.requests.ok + Object.entries(r.errors_by_kind).reduce((a, [k, n]) => a + (k.startsWith('http_') ? n : 0), 0),
    'responses over connections = responses received',
  );
  for (const x of recs) {
    t.equal(
      x.servers.reduce((a, [, n]) => a + n, 0),
      x.requests,
      `${x.client}:${x.port}: the server runs add up to its requests`,
    );
    if (x.broken !== (x.end === 'broken') || x.broken !== (x.broken_ms !== null) || x.broken !== (x.error !== null)) t.fail(`${x.client}:${x.port}: broken, end, broken_ms and error agree: ${JSON.stringify(x)}`);
    if (!(x.opened_ms <= x.closed_ms)) t.fail(`${x.client}:${x.port}: opened before closed`);
  }
  return recs;
}

const perClient = (recs: ConnectionRecord[]): Map<string, ConnectionRecord[]> => {
  const m = new Map<string, ConnectionRecord[]>();
  for (const x of recs) m.set(x.client, [...(m.get(x.client) ?? []), x]);
  return m;
};

t.test('keepalive: one connection per client address for the whole run, every answer from s0', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(options(srv.port));
  const recs = consistent(t, r);
  t.equal(r.requests.errors, 0, 'no errors');
  t.ok(r.requests.sent > ADDRESSES.length, `more requests (${r.requests.sent}) than addresses`);
  // one request in flight at a time: a client's connection is always idle when its turn comes again
  t.equal(r.connections.opened, ADDRESSES.length, 'one connection per client address');
  t.same([...perClient(recs).keys()].sort(), [...ADDRESSES].sort(), 'every address has its connection');
  t.equal(r.connections.broken, 0);
  t.equal(r.connections.switched_server, 0);
  t.ok(
    recs.every((x) => x.end === 'run_end' && x.servers.length === 1 && x.servers[0]![0] === 's0' && x.port !== null),
    'each lasted the run, answered by s0 only, with its local port',
  );
  for (const x of recs) t.equal(x.requests, r.clients[x.client]!.s0, `${x.client}: its connection carried all its requests`);
  t.equal(r.requests_per_connection, null);
});

t.test('--requests-per-connection K: the client closes each connection after K responses', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(options(srv.port, { requestsPerConnection: 3 }));
  const recs = consistent(t, r);
  t.equal(r.requests.errors, 0, 'no errors');
  t.equal(r.requests_per_connection, 3);
  for (const [client, list] of perClient(recs)) {
    const ok = r.clients[client]!.s0!;
    t.equal(list.length, Math.ceil(ok / 3), `${client}: ceil(${ok} / 3) connections`);
    const full = list.filter((x) => x.requests === 3);
    t.ok(full.every((x) => x.end === 'requests'), `${client}: full ones ended by their K requests`);
    t.ok(list.every((x) => x.requests === 3 || (x.requests < 3 && x.end === 'run_end')), `${client}: only the last one is short, open at the run's end`);
  }
  t.equal(r.connections.broken, 0);
});

t.test('close mode: a connection per request; listed with records only', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(options(srv.port, { mode: 'close', loop: { kind: 'closed', concurrency: 4 } }));
  const recs = consistent(t, r);
  t.equal(r.connections.opened, r.requests.sent, 'opened = requests sent');
  t.ok(recs.every((x) => x.requests === 1 && x.end === 'requests'), 'each carried one request');
  t.equal(r.requests_per_connection, 1);
  const bare = await runLoad(options(srv.port, { mode: 'close', connectionRecords: false, durationMs: 200 }));
  t.equal(bare.connection_records, undefined, 'no list without records');
  t.equal(bare.connections.opened, bare.requests.sent, 'the counters still kept');
});

t.test('the server closes every connection mid-run: exactly those connections are broken, the rest complete', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const live = new Set<Socket>();
  srv.server.on('connection', (s: Socket) => {
    live.add(s);
    s.on('close', () => live.delete(s));
  });
  const cut = new Set<string>();
  const run = startLoad(options(srv.port, { durationMs: 1200, loop: { kind: 'closed', concurrency: 4 } }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const s of live) {
    cut.add(`${s.remoteAddress}:${s.remotePort}`);
    s.destroy();
  }
  const r = await run.result;
  const recs = consistent(t, r);
  t.ok(cut.size > 0, `the server cut ${cut.size} connections`);
  const broken = new Set(recs.filter((x) => x.broken).map((x) => `${x.client}:${x.port}`));
  t.same([...broken].sort(), [...cut].sort(), 'the broken connections are exactly the ones the server cut');
  t.equal(r.connections.broken, cut.size);
  t.ok(
    recs.filter((x) => x.broken).every((x) => x.error === 'closed' || x.error === 'reset'),
    'each broke by a close or reset',
  );
  // each broken connection was open across the cut; every connection opened later lasted the run
  const lastBreak = Math.max(...recs.filter((x) => x.broken).map((x) => x.broken_ms!));
  const firstBreak = Math.min(...recs.filter((x) => x.broken).map((x) => x.broken_ms!));
  t.ok(recs.filter((x) => x.broken).every((x) => x.opened_ms < firstBreak), 'the broken ones opened before the first break');
  const later = recs.filter((x) => !x.broken);
  t.ok(later.length >= 1, `connections opened after the cut (${later.length})`);
  t.ok(later.every((x) => x.end === 'run_end' && x.opened_ms >= firstBreak - 1 && x.closed_ms >= lastBreak), 'later ones opened after the cut and lasted the run');
  t.ok(r.requests.errors <= cut.size, `request errors (${r.requests.errors}) only on cut connections`);
});

t.test('a connection answered by two servers in turn: runs of the server sequence, counted as switched', async (t) => {
  // answers the first two requests of each connection as sA, the rest as sB
  const sockets = new Set<Socket>();
  const server = createNetServer((sock) => {
    sockets.add(sock);
    let n = 0;
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) !== -1) {
        buf = buf.slice(i + 4);
        const name = ++n <= 2 ? 'sA' : 'sB';
        sock.write(`HTTP/1.1 200 OK\r\nX-Served-By: ${name}\r\nContent-Length: 3\r\n\r\n${name}\n`);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const r = await runLoad(options((server.address() as AddressInfo).port, { clients: { addresses: ADDRESSES.slice(0, 5), weights: null } }));
  const recs = consistent(t, r);
  const long = recs.filter((x) => x.requests >= 3);
  t.ok(long.length > 0, `connections with 3+ requests: ${long.length}`);
  for (const x of recs) {
    const want = x.requests <= 2 ? [['sA', x.requests]] : [['sA', 2], ['sB', x.requests - 2]];
    t.same(x.servers, want, `${x.client}:${x.port}: ${JSON.stringify(want)}`);
  }
  t.equal(r.connections.switched_server, long.length, 'switched_server = connections that saw both');
});

t.test('two workers: counters and records merged', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(options(srv.port, { workers: 2, loop: { kind: 'closed', concurrency: 2 } }));
  const recs = consistent(t, r);
  t.equal(r.workers, 2);
  t.equal(r.connections.opened, ADDRESSES.length, 'one connection per address over both threads');
  t.ok(recs.every((x, i) => i === 0 || recs[i - 1]!.opened_ms <= x.opened_ms), 'records in opening order');
});

t.test('flags: --requests-per-connection', async (t) => {
  const base = ['--target', '127.0.0.1', '--population', '127.2.0.0/16', '--concurrency', '2'];
  const o = parseLoadArgs([...base, '--requests-per-connection', '5']).load;
  t.equal(o.requestsPerConnection, 5);
  t.equal(o.connectionRecords, true, 'keepalive lists connections');
  t.equal(parseLoadArgs([...base, '--mode', 'close']).load.connectionRecords, false, 'close mode lists them only with --records');
  t.equal(parseLoadArgs([...base, '--mode', 'close', '--records']).load.connectionRecords, true);
  t.throws(() => parseLoadArgs([...base, '--requests-per-connection', '0']), /--requests-per-connection/);
  t.throws(() => parseLoadArgs([...base, '--mode', 'close', '--requests-per-connection', '2']), /--requests-per-connection: only with --mode keepalive/);
});

t.test('close mode against a server that never closes: answered connections are closed by the client at their deadline', async (t) => {
  const sockets = new Set<Socket>();
  let closedByClient = 0;
  const server = createNetServer((sock) => {
    sockets.add(sock);
    sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\nX-Served-By: s0\r\nConnection: close\r\nContent-Length: 3\r\n\r\ns0\n'));
    sock.on('end', () => closedByClient++);
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const r = await runLoad(options((server.address() as AddressInfo).port, { mode: 'close', timeoutMs: 200, durationMs: 600, loop: { kind: 'closed', concurrency: 4 } }));
  consistent(t, r);
  t.equal(r.requests.errors, 0, 'no errors');
  t.equal(r.connections.completed, r.requests.sent, 'every connection completed');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(closedByClient, r.connections.opened, 'the client closed every one (at the linger deadline or the run end)');
  t.equal(sockets.size, 0, 'none left open');
});
