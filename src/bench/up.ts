// Benchmark (not a test): times `up` and `down` of routing labs with 4, 16 and 64 servers, per backend, side by side from one run,
// beside Mininet's bare topology of as many hosts (one Linux bridge, no controller) when Mininet is installed.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { dockerAvailable } from '../backends/docker/engine.js';
import { table } from '../present/output.js';
import { downLab } from '../lab/down.js';
import { upLab } from '../lab/up.js';
import { parseTopology } from '../topology-file/load.js';
import { mininetMissing, timeMininet } from './mininet.js';

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
const noMininet = await mininetMissing();
if (noMininet) console.log(`mininet: skipped (${noMininet})`);
const rows: (string | number)[][] = [];
for (const n of counts) {
  const row: (string | number)[] = [n, n + 3];
  let netnsUp: number | undefined;
  for (const b of list) {
    const [up, down] = await timeOne(n, b);
    if (b === 'netns') netnsUp = up / 1000;
    row.push((up / 1000).toFixed(2), (down / 1000).toFixed(2));
  }
  if (!noMininet) {
    const mn = await timeMininet(n);
    row.push(mn.up.toFixed(2), mn.down.toFixed(2), netnsUp === undefined ? '-' : (netnsUp / mn.up).toFixed(2));
  }
  rows.push(row);
}
console.log('up = nodes, links, plans, HTTP servers answering, watchd probing (node image already built); down = everything removed');
if (!noMininet) console.log('mininet = `single,N` on one Linux bridge, no controller: N hosts with addresses, no routes, rules or services; up = build + start');
const mnHead = noMininet ? [] : ['mininet up (s)', 'mininet down (s)', 'netns up / mininet up'];
console.log(table(['servers', 'nodes', ...list.flatMap((b) => [`${b} up (s)`, `${b} down (s)`]), ...mnHead], rows));
