// The load generator on loopback: 200 source addresses 127.1.x.y against in-process servers, both modes and loops, error kinds.
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { drawFromPopulation, skewWeights } from '../../src/load/client-set.js';
import { runLoad, startLoad, type LoadOptions, type LoadResult } from '../../src/load/run-load.js';
import type { ProgressCounters } from '../../src/load/engine.js';
import type { LoopSpec } from '../../src/load/schedule.js';
import { startHttpServer } from '../../src/server/http-server.js';

const ADDRESSES = drawFromPopulation('127.1.0.0/16', 200, 7);

function options(port: number, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    target: '127.0.0.1',
    port,
    path: '/',
    mode: 'keepalive',
    loop: { kind: 'open', rate: 1000 },
    durationMs: 600,
    timeoutMs: 1000,
    clients: { addresses: ADDRESSES, weights: null },
    ...over,
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** Closes a raw server and destroys what it still holds. */
function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

function accounted(t: Test, r: LoadResult): void {
  t.equal(r.requests.sent, r.requests.ok + r.requests.errors, 'sent = ok + errors');
  const kinds = Object.values(r.errors_by_kind).reduce((a, b) => a + b, 0);
  t.equal(kinds, r.requests.errors, 'errors_by_kind adds up to errors');
  const timelineOk = r.timeline.reduce((a, p) => a + p.ok, 0);
  const timelineErr = r.timeline.reduce((a, p) => a + p.errors, 0);
  t.equal(timelineOk, r.requests.ok, 'timeline ok adds up');
  t.equal(timelineErr, r.requests.errors, 'timeline errors add up');
}

t.test('both modes x both loops against the in-process server', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const loops: LoopSpec[] = [
    { kind: 'open', rate: 1000 },
    { kind: 'closed', concurrency: 20 },
  ];
  for (const mode of ['keepalive', 'close'] as const) {
    for (const loop of loops) {
      const r = await runLoad(options(srv.port, { mode, loop }));
      const label = `${mode} ${loop.kind}`;
      accounted(t, r);
      t.ok(r.requests.ok > 0, `${label}: ok > 0 (${r.requests.ok})`);
      t.equal(r.requests.errors, 0, `${label}: no errors ${JSON.stringify(r.errors_by_kind)}`);
      // uniform picking cycles through the addresses, so 200 requests reach all of them
      t.equal(Object.keys(r.clients).length, Math.min(200, r.requests.sent), `${label}: all 200 addresses sent`);
      t.ok(r.requests.sent >= 200, `${label}: at least one round over the addresses (${r.requests.sent})`);
      t.ok(
        Object.values(r.clients).every((m) => m.s0 !== undefined && m.s0 > 0),
        `${label}: every client address answered by s0`,
      );
      t.same(Object.keys(r.servers), ['s0']);
      t.equal(r.servers.s0!.requests, r.requests.ok);
      t.equal(r.servers.s0!.clients, Object.keys(r.clients).length);
      t.ok(r.latency_ms.p50! > 0 && r.latency_ms.p50! <= r.latency_ms.p99! && r.latency_ms.p99! <= r.latency_ms.max!, `${label}: percentiles ordered`);
      t.ok(r.timeline.length >= 5 && r.timeline.every((p, i) => p.t_ms === i * 100), `${label}: 100 ms timeline`);
      if (loop.kind === 'open') t.equal(r.requests.sent, 600, `${label}: open loop sends rate x duration`);
    }
  }
});

t.test('the server sees the generator’s source addresses', async (t) => {
  const seen = new Set<string>();
  const server = createHttpServer((req, res) => {
    seen.add(req.socket.remoteAddress ?? '');
    res.writeHead(200, { 'x-served-by': 'probe', 'content-length': '2' });
    res.end('ok');
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const r = await runLoad(options(port, { mode: 'close', loop: { kind: 'open', rate: 500 } }));
  t.equal(r.requests.errors, 0);
  t.same([...seen].sort(), [...ADDRESSES].sort(), 'every source address bound');
  server.closeAllConnections();
});

t.test('zipf skew: the top address sends more than the median one', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(
    options(srv.port, { loop: { kind: 'open', rate: 2000 }, durationMs: 1000, clients: { addresses: ADDRESSES, weights: skewWeights(200, { kind: 'zipf', s: 1.1 }) } }),
  );
  accounted(t, r);
  t.equal(r.requests.errors, 0);
  const count = (a: string): number => Object.values(r.clients[a] ?? {}).reduce((x, y) => x + y, 0);
  const counts = ADDRESSES.map(count);
  const sorted = [...counts].sort((a, b) => a - b);
  const median = sorted[100]!;
  t.ok(counts[0]! > 5 * Math.max(1, median), `top address ${counts[0]} vs median ${median}`);
  t.equal(Math.max(...counts), counts[0], 'rank 1 is the busiest');
});

t.test('refused: nothing listens on the port', async (t) => {
  const probe = createNetServer();
  const port = await listen(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const started = Date.now();
  const r = await runLoad(options(port, { loop: { kind: 'open', rate: 200 }, durationMs: 300, timeoutMs: 500 }));
  accounted(t, r);
  t.equal(r.requests.ok, 0);
  t.equal(r.errors_by_kind.refused, r.requests.sent);
  t.equal(r.requests.sent, 60);
  t.ok(Date.now() - started < 300 + 500 + 3000, 'bounded in time');
  t.same(r.servers, {});
});

t.test('timeout: a server that never answers', async (t) => {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  const port = await listen(server);
  t.teardown(() => closeAll(server, sockets));
  for (const mode of ['keepalive', 'close'] as const) {
    for (const loop of [{ kind: 'open', rate: 100 }, { kind: 'closed', concurrency: 5 }] as LoopSpec[]) {
      const started = Date.now();
      const r = await runLoad(options(port, { mode, loop, durationMs: 400, timeoutMs: 300 }));
      const elapsed = Date.now() - started;
      accounted(t, r);
      t.equal(r.requests.ok, 0);
      t.ok(r.requests.sent > 0);
      t.equal(r.errors_by_kind.timeout, r.requests.sent, `${mode} ${loop.kind}: every request timed out`);
      t.ok(elapsed < 400 + 300 + 3000, `${mode} ${loop.kind}: stopped after duration + timeout (${elapsed} ms)`);
      // open loop: the last request goes out near 400 ms and times out 300 ms later; closed loop: rounds of 300 ms
      const least = loop.kind === 'open' ? 0.65 : 0.55;
      t.ok(r.wall_s >= least && r.wall_s <= 0.4 + 0.3 + 1, `wall ${r.wall_s}: waits out the timeout, then stops`);
    }
  }
});

t.test('reset: a server that destroys sockets', async (t) => {
  const sockets = new Set<Socket>();
  const rst = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('data', () => s.resetAndDestroy());
  });
  const fin = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('data', () => s.destroy());
  });
  const rstPort = await listen(rst);
  const finPort = await listen(fin);
  t.teardown(async () => {
    await closeAll(rst, sockets);
    await closeAll(fin, sockets);
  });
  for (const [label, port] of [
    ['RST', rstPort],
    ['FIN before any answer', finPort],
  ] as const) {
    const r = await runLoad(options(port, { mode: 'close', loop: { kind: 'open', rate: 200 }, durationMs: 300 }));
    accounted(t, r);
    t.equal(r.errors_by_kind.reset, r.requests.sent, `${label}: all reset ${JSON.stringify(r.errors_by_kind)}`);
  }
});

t.test('mixed: every third connection stalls; the rest answer (sockets reused only after clean answers)', async (t) => {
  const sockets = new Set<Socket>();
  let n = 0;
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    const stall = n++ % 3 === 2;
    s.once('data', () => {
      if (!stall) s.end('HTTP/1.1 200 OK\r\nX-Served-By: m\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
  });
  const port = await listen(server);
  t.teardown(() => closeAll(server, sockets));
  for (const loop of [{ kind: 'open', rate: 300 }, { kind: 'closed', concurrency: 6 }] as LoopSpec[]) {
    const r = await runLoad(options(port, { mode: 'close', loop, durationMs: 500, timeoutMs: 200 }));
    accounted(t, r);
    t.ok(r.requests.ok > 0 && r.errors_by_kind.timeout > 0, `${loop.kind}: ok ${r.requests.ok}, timeouts ${r.errors_by_kind.timeout}`);
    t.equal(r.errors_by_kind.timeout + r.requests.ok, r.requests.sent, `${loop.kind}: nothing but answers and timeouts ${JSON.stringify(r.errors_by_kind)}`);
  }
});

t.test('http_500 and http_404 are errors by status', async (t) => {
  const server = createHttpServer((req, res) => {
    const status = req.url === '/missing' ? 404 : 500;
    res.writeHead(status, { 'x-served-by': 'bad', 'content-length': '4' });
    res.end('fail');
  });
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const r = await runLoad(options(port, { loop: { kind: 'closed', concurrency: 4 }, durationMs: 300 }));
  accounted(t, r);
  t.equal(r.errors_by_kind.http_500, r.requests.sent);
  t.equal(r.latency_ms.p50, null, 'no latency without 2xx answers');
  const r2 = await runLoad(options(port, { path: '/missing', loop: { kind: 'open', rate: 100 }, durationMs: 300 }));
  t.equal(r2.errors_by_kind.http_404, 30);
});

t.test('bodies: /bytes/N over keep-alive', async (t) => {
  const srv = await startHttpServer({ name: 'big', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const r = await runLoad(options(srv.port, { path: '/bytes/300000', loop: { kind: 'closed', concurrency: 4 }, durationMs: 300 }));
  accounted(t, r);
  t.equal(r.requests.errors, 0);
  t.ok(r.requests.ok > 4);
});

t.test('workers: the client set split over 2 threads, results merged', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const progress: number[] = [];
  for (const loop of [{ kind: 'open', rate: 1000 }, { kind: 'closed', concurrency: 10 }] as LoopSpec[]) {
    const r = await runLoad(options(srv.port, { loop, workers: 2, durationMs: 1200, onProgress: (p) => progress.push(p.sent) }));
    accounted(t, r);
    t.equal(r.workers, 2);
    t.equal(r.requests.errors, 0);
    t.equal(Object.keys(r.clients).length, 200, `${loop.kind}: both halves of the client set sent`);
    t.equal(r.servers.s0!.clients, 200);
    if (loop.kind === 'open') t.equal(r.requests.sent, 1200);
  }
  t.ok(progress.length >= 1, 'progress reported');
});

t.test('records: one per request, with start <= end, outcome = server or !kind, times on the run clock', async (t) => {
  const srv = await startHttpServer({ name: 's0', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  const before = Date.now();
  for (const workers of [1, 2]) {
    const r = await runLoad(options(srv.port, { records: true, workers, durationMs: 500 }));
    const recs = r.records ?? [];
    t.equal(recs.length, r.requests.sent, `${workers} worker(s): a record per request sent (${recs.length})`);
    t.ok(recs.every(([c, a, b, o]) => ADDRESSES.includes(c) && a >= 0 && b >= a && o === 's0'), 'client from the set, start <= end, served by s0');
    const perClient = new Map<string, number>();
    for (const [c] of recs) perClient.set(c, (perClient.get(c) ?? 0) + 1);
    t.same(Object.fromEntries(Object.entries(r.clients).map(([c, s]) => [c, s.s0])), Object.fromEntries(perClient), 'records agree with the per-client counts');
    t.ok(r.start_epoch_ms >= before && r.start_epoch_ms <= Date.now(), 'start_epoch_ms is a Date.now() time within the run');
  }
  const refused = await runLoad(options(1, { records: true, durationMs: 200, loop: { kind: 'open', rate: 100 } }));
  t.ok((refused.records ?? []).length > 0 && refused.records!.every(([, , , o]) => o === '!refused'), 'errors are recorded as !kind');
  const plain = await runLoad(options(srv.port, { durationMs: 200 }));
  t.equal(plain.records, undefined, 'no records unless asked for');
});

t.test('stop: the sending window ends early, every request is still accounted for; progress counts per server', async (t) => {
  const srv = await startHttpServer({ name: 's7', port: 0, host: '127.0.0.1' });
  t.teardown(() => srv.close());
  for (const workers of [1, 2]) {
    const seen: ProgressCounters[] = [];
    const run = startLoad(options(srv.port, { workers, durationMs: 60_000, loop: { kind: 'open', rate: 500 }, onProgress: (p) => seen.push(p) }));
    while (seen.length < 2) await new Promise((r) => setTimeout(r, 100));
    run.stop();
    const r = await run.result;
    accounted(t, r);
    t.ok(r.duration_s < 30, `${workers} worker(s): stopped after ${r.duration_s} s of a 60 s run`);
    t.ok(r.requests.ok > 0 && r.requests.errors === 0, `${r.requests.ok} ok`);
    const last = seen.at(-1)!;
    t.ok(last.servers.s7! > 0 && last.servers.s7! <= r.requests.ok, `progress counted answers by server (${last.servers.s7})`);
    t.ok(last.start_epoch_ms > 0, 'progress carries the start time');
  }
});
