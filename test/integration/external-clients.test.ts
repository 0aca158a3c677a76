// Real external clients against the ghost: wrk, ab and curl in the client node, spread over population addresses by `lab spread on`.
import t from 'tap';
import { lab as cli } from '../helpers/cli.js';
import { backendCases, perServerCounts, startLab } from '../helpers/lab-fixture.js';

for (const { backend, skip } of await backendCases()) {
  for (const scheme of ['routing', 'broadcast'] as const) {
    t.test(`${backend}: wrk, ab and curl through the ghost, ${scheme} scheme`, { skip }, async (t) => {
      const name = `ext${scheme[0]}${backend[0]}`;
      const lab = await startLab(t, name, `scheme: ${scheme}\nservers: 4\n`, backend);
      const ghost = `http://${lab.state.topology.ghost}/`;

      const single = cli(['exec', '--name', name, 'client', '--', 'curl', '-s', '-D', '-', ghost]);
      t.match(single.stdout, /^HTTP\/1\.1 200/m, 'curl from the client address gets 200');
      t.match(single.stdout, /x-served-by: s\d/i, 'with X-Served-By');

      t.equal(cli(['spread', 'on', '--name', name, '--addresses', '64']).code, 0, 'spread on');
      const before = await perServerCounts(lab);
      const wrk = cli(['exec', '--name', name, 'client', '--', 'wrk', '-t1', '-c16', '-d2s', ghost]);
      t.equal(wrk.code, 0, `wrk ran: ${wrk.stderr}`);
      const requests = Number(/(\d+) requests in/.exec(wrk.stdout)?.[1] ?? 0);
      t.ok(requests > 0, `wrk: ${requests} requests`);
      t.notMatch(wrk.stdout, /Non-2xx/, 'wrk: only 2xx answers');
      t.notMatch(wrk.stdout, /Socket errors/, 'wrk: no socket errors');
      const ab = cli(['exec', '--name', name, 'client', '--', 'ab', '-q', '-n', '2000', '-c', '8', ghost]);
      t.equal(ab.code, 0, `ab ran: ${ab.stderr}`);
      t.match(ab.stdout, /Complete requests:\s+2000/, 'ab: 2000 requests complete');
      t.match(ab.stdout, /Failed requests:\s+0/, 'ab: none failed');
      t.notMatch(ab.stdout, /Non-2xx/, 'ab: only 2xx answers');
      const after = await perServerCounts(lab);
      for (const s of lab.state.topology.servers) t.ok(after[s.name]! > before[s.name]!, `${s.name} answered (${after[s.name]! - before[s.name]!} packets)`);
      t.equal(cli(['spread', 'off', '--name', name]).code, 0, 'spread off');
    });
  }
}
