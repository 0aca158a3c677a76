// The L7 schemes on real kernels (proxy with HAProxy and nginx, redirect): every client served by the server the model names, proxy sessions on the dispatcher, connections per request, a killed server's clients served again while the others never fail.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { runBench } from '../../src/lab/bench.js';
import { killNode } from '../../src/lab/failures.js';
import { frontSessions } from '../../src/lab/front-sessions.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import type { BenchResult } from '../../src/report/bench-result.js';
import { backendCases, clientAddresses, predicted, startLab } from '../helpers/lab-fixture.js';

const CLIENTS = 256;

const CASES = [
  { name: 'proxy', yaml: 'scheme: proxy\nservers: 4\n', connections: 1, upstream: true },
  { name: 'proxynginx', yaml: 'scheme: proxy\nservers: 4\nproxy: {engine: nginx}\n', connections: 1, upstream: true },
  { name: 'redirect', yaml: 'scheme: redirect\nservers: 4\n', connections: 2, upstream: false },
] as const;

/** Per client address: the outcomes of its requests in start order, [start ms, outcome, connections]. */
function byClient(r: BenchResult): Map<string, [number, string, number | undefined][]> {
  const out = new Map<string, [number, string, number | undefined][]>();
  for (const rec of r.records ?? []) {
    const [client, start, , outcome, connections] = rec as [string, number, number, string, number?];
    out.set(client, [...(out.get(client) ?? []), [start, outcome, connections]]);
  }
  return out;
}

// OLAB_TEST_BACKEND=netns (or docker) runs one backend only
const only = process.env.OLAB_TEST_BACKEND;
const cases = (await backendCases()).filter((c) => only === undefined || c.backend === only);
for (const { backend, skip } of cases) {
  for (const c of CASES) {
    t.test(`${backend}: ${c.name}: ${CLIENTS} clients served where the model says, sessions, connections per request, a killed server`, { skip }, async (t) => {
      const name = `hp${c.name.slice(0, 5)}${backend === 'docker' ? 'd' : 'n'}`;
      const lab = await startLab(t, name, c.yaml, backend);
      const froms = clientAddresses(lab.state.topology.clientPopulation, CLIENTS);
      const file = join(tmpdir(), `${name}-clients.txt`);
      writeFileSync(file, froms.join('\n') + '\n');

      // 1: every client, by the server the model predicts
      const steady = await runBench(lab, { clientsFrom: file, duration: '3s', concurrency: '8', mode: 'close', timeout: '5s' }, { records: true });
      const seen = byClient(steady);
      t.equal(seen.size, CLIENTS, `all ${CLIENTS} client addresses sent requests (${steady.requests.sent} requests)`);
      const wrong = froms.filter((a) => !(seen.get(a) ?? []).every(([, o]) => o === predicted(lab, a)));
      t.same(wrong.slice(0, 5), [], `every request answered by the predicted server (${wrong.length} clients otherwise)`);
      t.equal(steady.requests.errors, 0, `no errors: ${JSON.stringify(steady.errors_by_kind)}`);
      t.equal(steady.mismatches, 0, 'no mismatches vs the model');
      t.equal(steady.connections_per_request, c.connections, `${c.connections} connection(s) per request`);
      t.ok([...seen.values()].flat().every(([, , n]) => n === c.connections), 'every record says so');

      // 2: the proxy's sessions on the dispatcher under keep-alive load: clients' connections end there, and it opens its own to the servers
      const loaded = runBench(lab, { duration: '3s', concurrency: '32', mode: 'keepalive', clients: '64', timeout: '5s' });
      await sleep(1500);
      const s = await frontSessions(lab);
      const keep = await loaded;
      t.ok(s.clients > 0, `client connections to the front's ports on the dispatcher: ${s.clients}`);
      if (c.upstream) t.ok(s.upstream > 0, `the proxy's own connections to servers' port 80: ${s.upstream}`);
      else t.equal(s.upstream, 0, 'the redirect front opens no connection to a server');
      t.equal(keep.requests.errors, 0, `keep-alive load: no errors (${JSON.stringify(keep.errors_by_kind)})`);
      t.comment(`${backend}/${c.name}: close ${steady.throughput_rps} req/s (concurrency 8), keepalive ${keep.throughput_rps} req/s (concurrency 32); dispatcher sessions: ${s.clients} client, ${s.upstream} upstream`);

      // 3: s1 killed under load: its clients are served again (by the model's new choice), the others never fail
      const homes = new Map(froms.map((a) => [a, predicted(lab, a)]));
      const run = runBench(lab, { clientsFrom: file, duration: '7s', rate: '150', mode: 'close', timeout: '5s' }, { records: true });
      await sleep(1500);
      await killNode(lab, 's1');
      const failed = await run;
      await lab.refresh(); // watchd changed the function: the model's state now
      t.same(lab.state.alive, [0, 2, 3], 'watchd took s1 out of the function');
      const after = byClient(failed);
      const others = froms.filter((a) => homes.get(a) !== 's1');
      const othersFailed = others.filter((a) => (after.get(a) ?? []).some(([, o]) => o.startsWith('!')));
      t.same(othersFailed.slice(0, 5), [], `clients of s0, s2, s3 never failed (${othersFailed.length} did)`);
      const s1Clients = froms.filter((a) => homes.get(a) === 's1');
      const late = s1Clients.flatMap((a) => (after.get(a) ?? []).filter(([start]) => start > 5000).map(([, o]) => [a, o] as const));
      t.ok(late.length > 0, `s1's clients sent requests in the last 2 s (${late.length})`);
      const notAgain = late.filter(([a, o]) => o !== predicted(lab, a));
      t.same(notAgain.slice(0, 5), [], `in the last 2 s every former s1 client is served by the model's new choice (${notAgain.length} not)`);
      const errs = failed.requests.errors;
      t.comment(`${backend}/${c.name}: kill s1 under 150 req/s: ${errs} errors, all of s1's clients (${JSON.stringify(failed.errors_by_kind)})`);
    });
  }
}
