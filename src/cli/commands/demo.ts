// `lab demo`: bring up the routing topology, show it, reach every server and the ghost from the client, take it down.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { dispatchFunction } from '../../dispatch/registry.js';
import { downLab } from '../../lab/down.js';
import { projectRoot } from '../../lab/paths.js';
import { upLab, SERVER_PORT } from '../../lab/up.js';
import { cidrSize, intToIp, ipToInt, parseCidr } from '../../net/ipv4.js';
import { loadTopology } from '../../topology/load.js';
import { table } from '../output.js';
import { progress } from '../spinner.js';
import { printStatus } from './status.js';
import { dispatchState } from '../../lab/dispatch-control.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('up the routing topology, show it, reach every server through the ghost from the client, down')
    .option('--name <name>', 'lab name', 'demo')
    .action(async (opts: { name: string }) => {
      const file = resolve(projectRoot(), 'topologies', 'routing.yaml');
      const t = loadTopology(file);
      const spin = progress('demo: bringing up the routing lab');
      const lab = await upLab(t, file, { name: opts.name, onStep: spin.step });
      spin.succeed('demo: lab is up');
      try {
        printStatus(lab.state);
        const direct = await lab.probe('client', t.servers.map((s) => `http://${s.address}:${SERVER_PORT}/`));
        console.log('\nfrom the client to each server\'s primary address:');
        console.log(table(['url', 'answered by', 'ok'], direct.map((r) => [r.url, r.servedBy ?? '-', r.ok ? 'yes' : (r.error ?? String(r.status))])));
        const pop = parseCidr(t.clientPopulation);
        const froms = Array.from({ length: 8 }, (_, i) => intToIp(pop.base + 1 + i + Math.floor((i * cidrSize(pop)) / 8)));
        const ghost = await lab.probe('client', [`http://${t.ghost}:${SERVER_PORT}/`], froms);
        const state = dispatchState(lab);
        const fn = dispatchFunction(t.dispatch.function, { buckets: t.dispatch.buckets });
        console.log(`\nfrom 8 client addresses to the ghost ${t.ghost} (k = CA mod ${t.servers.length}):`);
        console.log(table(['client address', 'CA mod n', 'answered by', 'model says'], ghost.map((r) => [r.from!, ipToInt(r.from!) % t.servers.length, r.servedBy ?? r.error ?? '-', t.servers[fn.predict(ipToInt(r.from!), state)]!.name])));
      } finally {
        await downLab(opts.name);
        console.log(`\nlab "${opts.name}" removed`);
      }
    });
}
