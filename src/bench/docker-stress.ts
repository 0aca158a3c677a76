// Benchmark (not a test): cycles of a 32-server Docker lab up, 8 servers killed and revived at once, down; prints cycles, any hang, the slowest call, and whether the engine still answers.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { labObjects } from '../backends/docker/clean.js';
import { observeCalls } from '../backends/docker/deadline.js';
import { dockerAvailable, networksAnswer } from '../backends/docker/engine.js';
import { downLab } from '../lab/down.js';
import { upLab } from '../lab/up.js';
import { table } from '../present/output.js';
import { parseTopology } from '../topology-file/load.js';
import { checkLabName } from '../util/lab-name.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20' },
    servers: { type: 'string', default: '32' },
    kill: { type: 'string', default: '8' },
    name: { type: 'string', default: 'dstress' },
  },
});
const cycles = Number(values.cycles);
const servers = Number(values.servers);
const kills = Number(values.kill);
const NAME = checkLabName(values.name);
// subnets of no shipped topology or test: a Docker lab of the defaults elsewhere on the engine does not stop it
const NETS = 'lan: 10.0.61.0/24\nclient: {link: 198.18.61.0/24}\n';

let slowest = { call: '', ms: 0 };
observeCalls((call, ms) => {
  if (ms > slowest.ms) slowest = { call, ms };
});

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function cycle(): Promise<[number, number, number, number]> {
  const t = parseTopology(`name: ${NAME}\nscheme: routing\nservers: ${servers}\n${NETS}watchd: {enabled: false}\n`, '<docker-stress>');
  let lab: Awaited<ReturnType<typeof upLab>> | undefined;
  const up = await timed(async () => void (lab = await upLab(t, '<docker-stress>', { name: NAME, backend: 'docker' })));
  const victims = t.servers.slice(0, kills).map((s) => s.name);
  const kill = await timed(() => Promise.all(victims.map((v) => lab!.backend.kill(v))));
  const revive = await timed(() => Promise.all(victims.map((v) => lab!.backend.revive(v))));
  const down = await timed(() => downLab(NAME));
  return [up, kill, revive, down];
}

const engine = await dockerAvailable(5000);
if (!engine.ok) {
  console.log(`docker-stress: no engine (${engine.reason})`);
  process.exit(1);
}
await downLab(NAME).catch(() => {});
const started = performance.now();
const rows: (string | number)[][] = [];
let hang = '';
for (let i = 1; i <= cycles && !hang; i++) {
  try {
    const r = await cycle();
    rows.push([i, ...r.map((x) => x.toFixed(2))]);
    process.stderr.write(`cycle ${i}/${cycles}: up ${r[0].toFixed(1)} s, kill ${r[1].toFixed(1)} s, revive ${r[2].toFixed(1)} s, down ${r[3].toFixed(1)} s\n`);
  } catch (err) {
    hang = err instanceof Error ? err.message : String(err);
    await downLab(NAME).catch(() => {});
  }
}
console.log(`${servers} servers, ${kills} killed and revived at once, per cycle (s):`);
console.log(table(['cycle', 'up', `kill ${kills}`, `revive ${kills}`, 'down'], rows));
console.log(`cycles completed: ${rows.length} of ${cycles}`);
console.log(`hang or failure: ${hang || 'none'}`);
console.log(`slowest Docker API call: ${slowest.call} ${slowest.ms.toFixed(0)} ms`);
let answered: string;
try {
  answered = `${(await networksAnswer(5000)).toFixed(0)} ms`;
} catch (err) {
  answered = `NO (${err instanceof Error ? err.message : String(err)})`;
}
console.log(`network listing (API) answered afterwards in: ${answered}`);
// the command a user would type, with its own 5 s limit
const t0 = performance.now();
const cli = spawnSync('timeout', ['5', 'docker', 'network', 'ls', '-q'], { encoding: 'utf8' });
const cliMs = performance.now() - t0;
const cliOk = cli.status === 0;
console.log(`\`docker network ls\` answered afterwards: ${cliOk ? `yes, in ${cliMs.toFixed(0)} ms` : `NO (${cli.status === 124 ? 'no answer within 5 s' : `exit ${cli.status}: ${(cli.stderr ?? '').trim()}`})`}`);
const left = await labObjects(NAME);
console.log(`left of the lab: ${[...left.containers, ...left.networks].map((o) => o.name).join(', ') || 'nothing'}`);
const total = (performance.now() - started) / 1000;
console.log(`total: ${total.toFixed(0)} s`);
process.exitCode = hang || !cliOk || left.containers.length + left.networks.length > 0 ? 1 : 0;
