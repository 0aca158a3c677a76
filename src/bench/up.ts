// Benchmark (not a test): times `up` and `down` of routing labs with 4, 16 and 64 servers on this machine.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { table } from '../cli/output.js';
import { downLab } from '../lab/down.js';
import { upLab } from '../lab/up.js';
import { parseTopology } from '../topology/load.js';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '4,16,64' }, backend: { type: 'string', default: 'netns' } } });
const counts = values.servers.split(',').map(Number);

async function timeOne(n: number): Promise<[number, number, number]> {
  const text = `name: bench\nscheme: routing\nservers: ${n}\n`;
  const t = parseTopology(text, `<bench ${n} servers>`);
  await downLab('benchup').catch(() => {});
  const t0 = performance.now();
  await upLab(t, '<bench>', { name: 'benchup', backend: values.backend as 'netns' });
  const t1 = performance.now();
  await downLab('benchup');
  const t2 = performance.now();
  return [n, t1 - t0, t2 - t1];
}

const rows: (string | number)[][] = [];
for (const n of counts) {
  const [servers, up, down] = await timeOne(n);
  rows.push([servers, servers + 3, (up / 1000).toFixed(2), (down / 1000).toFixed(2)]);
}
console.log(`backend ${values.backend}: up = nodes + links + plans + HTTP servers answering; down = everything removed`);
console.log(table(['servers', 'nodes', 'up (s)', 'down (s)'], rows));
