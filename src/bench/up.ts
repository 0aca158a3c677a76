// Benchmark (not a test): times `up` and `down` of routing labs with 4, 16 and 64 servers, per backend, side by side from one run.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dockerAvailable } from '../backends/docker/engine.js';
import { table } from '../present/output.js';
import { downLab } from '../lab/down.js';
import { upLab } from '../lab/up.js';
import { parseTopology } from '../topology-file/load.js';

type Backend = 'netns' | 'docker';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '4,16,64' }, backend: { type: 'string' } } });
const counts = values.servers.split(',').map(Number);

async function backends(): Promise<Backend[]> {
  if (values.backend) return values.backend.split(',') as Backend[];
  const engine = await dockerAvailable(2000);
  if (!engine.ok) console.log(`docker: skipped (${engine.reason})`);
  return engine.ok ? ['netns', 'docker'] : ['netns'];
}

async function timeOne(n: number, backend: Backend): Promise<[number, number]> {
  const t = parseTopology(`name: bench\nscheme: routing\nservers: ${n}\n`, `<bench ${n} servers>`);
  await downLab('benchup').catch(() => {});
  const t0 = performance.now();
  await upLab(t, '<bench>', { name: 'benchup', backend }).catch(async (err: unknown) => {
    await downLab('benchup');
    throw err;
  });
  const t1 = performance.now();
  await downLab('benchup');
  return [t1 - t0, performance.now() - t1];
}

const list = await backends();
const rows: (string | number)[][] = [];
for (const n of counts) {
  const row: (string | number)[] = [n, n + 3];
  for (const b of list) {
    const [up, down] = await timeOne(n, b);
    row.push((up / 1000).toFixed(2), (down / 1000).toFixed(2));
  }
  rows.push(row);
}
console.log('up = nodes, links, plans, HTTP servers answering (node image already built); down = everything removed');
console.log(table(['servers', 'nodes', ...list.flatMap((b) => [`${b} up (s)`, `${b} down (s)`])], rows));
