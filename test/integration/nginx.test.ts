// `server: nginx`: Debian's nginx on every server node answers like the lab's server, through the ghost, on both backends.
import t from 'tap';
import { runBench } from '../../src/lab/bench.js';
import { backendCases, clientAddresses, ghostMap, predicted, startLab } from '../helpers/lab-fixture.js';

for (const { backend, skip } of await backendCases()) {
  t.test(`${backend}: nginx servers behind the ghost`, { skip }, async (t) => {
    const lab = await startLab(t, `ngx${backend[0]}`, 'scheme: routing\nservers: 3\nserver: nginx\n', backend);
    const froms = clientAddresses('198.18.128.0/17', 48);
    const answers = await ghostMap(lab, froms);
    t.same([...answers].filter(([f, s]) => s !== predicted(lab, f)), [], 'every client lands on the predicted nginx');
    const r = await runBench(lab, { duration: '2s', concurrency: '16', mode: 'keepalive', clients: '200', bytes: '20000' });
    t.ok(r.requests.ok > 0, `${r.requests.ok} responses of 20000 bytes`);
    t.equal(r.requests.errors, 0, `no errors (${JSON.stringify(r.errors_by_kind)})`);
    t.equal(r.mismatches, 0, 'no mismatches');
    t.same(lab.state.processes.filter((p) => p.name === 'http').length, 3, 'one tracked process per server (nginx without a master/worker split)');
  });
}
