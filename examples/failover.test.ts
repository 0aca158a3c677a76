// An example to copy: a failover test of your own with oneip-lab as a library (tap). Kill s1 of 4, wait for watchd, check where s1's clients went.
import t from 'tap';
import { ipToInt, startLab } from 'oneip-lab';

const root = process.getuid?.() === 0;

/** The paper's formula (ONE-IP 6.3) for one failed server S_k of n: j = CA mod (n-1); S_j if j < k, else S_(j+1). */
function paperServer(client: string, n: number, k: number): string {
  const j = ipToInt(client) % (n - 1);
  return `s${j < k ? j : j + 1}`;
}

t.test('kill s1: watchd reconfigures, s1\'s clients move as the paper says, nobody else moves', { skip: root ? false : 'needs root (network namespaces)' }, async (t) => {
  await using lab = await startLab({ topology: 'topologies/routing.yaml', backend: 'netns', name: 'a14ex' });
  const before = await lab.dispatch();
  const clients = before.clients(200);
  const ofS1 = clients.filter((c) => before.predict(c) === 's1');
  const others = clients.filter((c) => before.predict(c) !== 's1');
  t.ok(ofS1.length > 0, `${ofS1.length} of ${clients.length} clients are s1's`);

  // GET / through the ghost from each address, inside the client node: one line per address, the server's name
  const servedBy = async (froms: string[]): Promise<string[]> => {
    const script = 'for a in "$@"; do curl -s -m 2 --interface "$a" "http://$GHOST/" || echo error; done';
    const r = await lab.exec('client', ['env', `GHOST=${before.ghost}`, 'sh', '-c', script, 'sh', ...froms]);
    return r.stdout.trim().split('\n');
  };
  t.same(await servedBy(clients), clients.map((c) => before.predict(c)), 'every client is served by the server the model names');

  await lab.kill('s1');
  const reconfigured = await lab.waitFor('reconfigured', { node: 's1', timeoutMs: 10_000 });
  t.same(reconfigured.down, ['s1'], 'watchd took s1 out');
  t.same(reconfigured.alive, ['s0', 's2', 's3'], 'and left s0, s2, s3');

  const after = await lab.dispatch();
  const n = before.servers.length;
  t.same(ofS1.map((c) => after.predict(c)), ofS1.map((c) => paperServer(c, n, 1)), "the model moves s1's clients to S_j, j = CA mod (n-1)");
  t.same(await servedBy(ofS1), ofS1.map((c) => paperServer(c, n, 1)), "the kernel serves s1's clients there");
  t.same(await servedBy(others), others.map((c) => before.predict(c)), 'the other clients stay where they were');

  const status = await lab.status();
  t.same(status.dispatch.alive, ['s0', 's2', 's3'], 'lab status agrees');
  // the lab goes down when this block ends (await using); lab.down() does it by hand
});
