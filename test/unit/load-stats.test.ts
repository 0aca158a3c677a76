// Load counters: recording, snapshots, merging across workers, the result summary; the open/closed loop schedules.
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { closedLoop, openLoop } from '../../src/load/schedule.js';
import { LoadStats, mergeSnapshots, summarize } from '../../src/load/stats.js';

t.test('record, snapshot, summarize', async (t) => {
  const s = new LoadStats(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  s.recordSent(0);
  s.recordOk(0, 's0', 1500, 10);
  s.recordSent(1);
  s.recordOk(1, 's1', 2500, 150);
  s.recordSent(1);
  s.recordOk(1, '', 100000, 160);
  s.recordSent(2);
  s.recordError('timeout', 250);
  s.recordSent(2);
  s.recordError('other', 260, 'EADDRNOTAVAIL');
  s.recordSent(2);
  s.recordError('http_500', 270);
  const r = summarize(s.snapshot(1000, 1200, 0));
  t.same(r.requests, { sent: 6, ok: 3, errors: 3 });
  t.same(r.errors_by_kind, { refused: 0, reset: 0, timeout: 1, other: 1, http_500: 1 });
  t.same(r.errors_other_codes, { EADDRNOTAVAIL: 1 });
  t.same(r.servers, { s0: { requests: 1, clients: 1 }, s1: { requests: 1, clients: 1 }, unknown: { requests: 1, clients: 1 } });
  t.same(r.clients, { '10.0.0.1': { s0: 1 }, '10.0.0.2': { s1: 1, unknown: 1 }, '10.0.0.3': {} });
  t.equal(r.throughput_rps, 3);
  t.equal(r.duration_s, 1);
  t.equal(r.wall_s, 1.2);
  t.same(
    r.timeline.map((p) => [p.t_ms, p.ok, p.errors]),
    [
      [0, 1, 0],
      [100, 2, 0],
      [200, 0, 3],
    ],
  );
  t.same(r.timeline[1]!.servers, { s1: 1, unknown: 1 });
  t.ok(Math.abs(r.latency_ms.p50! - 2.5) < 0.01, `p50 ${r.latency_ms.p50}`);
  t.ok(Math.abs(r.latency_ms.max! - 100) < 0.1, `max ${r.latency_ms.max}`);
});

t.test('merge: counts add, histograms add, timelines align', async (t) => {
  const a = new LoadStats(['10.0.0.1']);
  const b = new LoadStats(['10.0.0.2']);
  for (let i = 0; i < 90; i++) {
    a.recordSent(0);
    a.recordOk(0, 's0', 1000, 50);
  }
  for (let i = 0; i < 10; i++) {
    b.recordSent(0);
    b.recordOk(0, 's1', 50000, 350);
  }
  b.recordSent(0);
  b.recordError('refused', 10);
  const r = summarize(mergeSnapshots([a.snapshot(500, 600, 0), b.snapshot(500, 700, 0)]));
  t.same(r.requests, { sent: 101, ok: 100, errors: 1 });
  t.ok(Math.abs(r.latency_ms.p50! - 1) < 0.01);
  t.ok(r.latency_ms.p99! > 49 && r.latency_ms.p99! < 51);
  t.same(
    r.timeline.map((p) => [p.t_ms, p.ok, p.errors]),
    [
      [0, 90, 1],
      [100, 0, 0],
      [200, 0, 0],
      [300, 10, 0],
    ],
  );
  t.same(r.servers, { s0: { requests: 90, clients: 1 }, s1: { requests: 10, clients: 1 } });
  t.equal(r.wall_s, 0.7);
  t.same(summarize(mergeSnapshots([])).requests, { sent: 0, ok: 0, errors: 0 });
});

t.test('open loop: rate x duration requests at their intended times', async (t) => {
  const times: number[] = [];
  const start = performance.now() + 5;
  await new Promise<void>((resolve) => openLoop(200, (t0) => times.push(t0)).start(start, start + 250, resolve));
  t.equal(times.length, 50);
  t.ok(times.every((x, i) => Math.abs(x - (start + i * 5)) < 1e-6), 'intended times k / rate apart');
  t.ok(performance.now() >= start + 250 - 1, 'ends at the end time');
});

t.test('open loop behind schedule: still every request, at its intended time, in bursts', async (t) => {
  const times: number[] = [];
  const start = performance.now();
  const busy = (ms: number): void => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  await new Promise<void>((resolve) =>
    openLoop(20000, (t0) => {
      times.push(t0);
      busy(0.1); // the generator can do only ~10000/s
    }).start(start, start + 100, resolve),
  );
  t.equal(times.length, 2000);
  t.ok(times.every((x, i) => Math.abs(x - (start + i * 0.05)) < 1e-6), 'intended times kept');
});

t.test('closed loop: requests that fail at once do not recurse without bound', async (t) => {
  let issued = 0;
  const s = closedLoop(2, () => {
    issued++;
    s.finished();
  });
  const start = performance.now();
  await new Promise<void>((resolve) => s.start(start, start + 100, resolve));
  t.ok(issued > 100, `kept issuing (${issued})`);
});

t.test('closed loop: C in flight, next on each finish, stops at the end', async (t) => {
  let issued = 0;
  let inflight = 0;
  let maxInflight = 0;
  const s = closedLoop(3, () => {
    issued++;
    maxInflight = Math.max(maxInflight, ++inflight);
    setTimeout(() => {
      inflight--;
      s.finished();
    }, 10);
  });
  const start = performance.now();
  await new Promise<void>((resolve) => s.start(start, start + 200, resolve));
  t.equal(maxInflight, 3);
  t.ok(issued >= 10 && issued <= 66, `issued ${issued} (3 in flight, 10 ms each, 200 ms)`);
  const before = issued;
  s.finished();
  t.equal(issued, before, 'nothing after the end');
});
