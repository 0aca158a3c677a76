// `lab demo`: for each scheme, bring a 4-server cluster up, show it, put HTTP load through the ghost, print the per-server table, take it down.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runBench } from '../../lab/bench.js';
import { downLab } from '../../lab/down.js';
import { projectRoot } from '../../lab/paths.js';
import { upLab, SERVER_PORT } from '../../lab/up.js';
import { loadTopology } from '../../topology/load.js';
import { table } from '../output.js';
import { progress } from '../spinner.js';
import { printBench } from './bench.js';
import { printStatus } from './status.js';
import type { RunningLab } from '../../lab/running-lab.js';

async function showReachability(lab: RunningLab): Promise<void> {
  const t = lab.state.topology;
  const direct = await lab.probe('client', t.servers.map((s) => `http://${s.address}:${SERVER_PORT}/`));
  console.log("\nfrom the client to each server's primary address:");
  console.log(table(['url', 'answered by', 'ok'], direct.map((r) => [r.url, r.servedBy ?? '-', r.ok ? 'yes' : (r.error ?? String(r.status))])));
}

async function demoScheme(scheme: 'routing' | 'broadcast', name: string, duration: string): Promise<void> {
  const file = resolve(projectRoot(), 'topologies', `${scheme}.yaml`);
  const t = loadTopology(file);
  const spin = progress(`demo: bringing up the ${scheme} cluster`);
  const lab = await upLab(t, file, { name, onStep: spin.step });
  spin.succeed(`demo: ${scheme} cluster is up`);
  try {
    console.log(`\n=== ${scheme}-based dispatching (paper section ${scheme === 'routing' ? 4 : 5}) ===`);
    printStatus(lab.state);
    await showReachability(lab);
    const bench = progress(`demo: ${duration} of HTTP load through the ghost ${t.ghost}`);
    const r = await runBench(lab, { duration, concurrency: '32', mode: 'close', clients: '1000' }, (p) => bench.step(`demo: load ${(p.elapsed_ms / 1000).toFixed(0)} s, ${p.ok} ok`));
    bench.succeed(`demo: load done`);
    console.log(`\nHTTP load through the ghost from 1000 client addresses (each server's share next to the model's, k = CA mod ${t.servers.length}):`);
    printBench(r);
  } finally {
    await downLab(name);
    console.log(`lab "${name}" removed`);
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('both schemes in turn: up a 4-server cluster, show it, HTTP load through the ghost, per-server table, down')
    .option('--name <name>', 'lab name', 'demo')
    .option('--duration <time>', 'load per scheme', '3s')
    .action(async (opts: { name: string; duration: string }) => {
      for (const scheme of ['routing', 'broadcast'] as const) await demoScheme(scheme, opts.name, opts.duration);
    });
}
