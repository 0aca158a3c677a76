// `lab dispatch show|set` and `lab counters`: inspect and change the dispatch function of a running lab.
import type { Command } from 'commander';
import { dispatchFunction } from '../../dispatch/registry.js';
import { summarizeRanges } from '../../dispatch/summary.js';
import { readCounters } from '../../lab/counters.js';
import { changeAlive, dispatchState } from '../../lab/dispatch-control.js';
import { UsageError } from '../../lab/errors.js';
import { RunningLab } from '../../lab/running-lab.js';
import { findLab, withStateLock } from '../../lab/state.js';
import { refreshState, SurvivorLab } from '../../lab/survivor-lab.js';
import { cidrSize, parseCidr } from '../../net/ipv4.js';
import { printJson, table } from '../output.js';

/** What `lab dispatch show` prints (shared with `lab shell`'s `dispatch`). */
export function showDispatch(lab: RunningLab, json: boolean): void {
  const t = lab.state.topology;
  const state = dispatchState(lab);
  const pop = parseCidr(t.clientPopulation);
  const summary = summarizeRanges(dispatchFunction(t.dispatch.function, { buckets: t.dispatch.buckets }), state, { base: pop.base, size: cidrSize(pop) });
  if (json) return printJson({ function: t.dispatch.function, alive: state.alive.map((k) => t.servers[k]!.name), population: t.clientPopulation, summary });
  console.log(`function: ${t.dispatch.function}${t.dispatch.function === 'table' ? ` (${t.dispatch.buckets} buckets)` : ''}, n = ${state.servers}`);
  console.log(`alive: ${state.alive.map((k) => t.servers[k]!.name).join(' ')}`);
  console.log(`client population ${t.clientPopulation}:`);
  console.log(summary.text);
}

/** What `lab counters [NODE]` prints: every node but the client, or one node (shared with `lab shell`'s `counters`). */
export async function printCounters(lab: RunningLab, node: string | undefined, json: boolean): Promise<void> {
  const nodes = node ? [node] : lab.state.topology.nodes.filter((n) => n.role !== 'client').map((n) => n.name);
  const all = await Promise.all(nodes.map((n) => readCounters(lab, n)));
  if (json) return printJson(all);
  const rows = all.flatMap((c) => [
    ...c.rules.map((r) => [c.node, r.comment, r.packets]),
    ...(c.snmp['Icmp.OutRedirects'] ? [[c.node, 'ICMP redirects sent (IcmpOutRedirects)', c.snmp['Icmp.OutRedirects']]] : []),
    ...(c.snmp['Ip.ForwDatagrams'] ? [[c.node, 'IP datagrams forwarded', c.snmp['Ip.ForwDatagrams']]] : []),
  ]);
  console.log(table(['node', 'counter', 'packets'], rows));
}

export function registerDispatch(program: Command): void {
  const dispatch = program.command('dispatch').description('show or change the dispatch function of a running lab');
  dispatch
    .command('show')
    .description('function, alive set, and how the client population maps to servers')
    .option('--name <name>', 'lab name')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; json?: boolean }) => showDispatch(await RunningLab.open(opts.name), Boolean(opts.json)));
  dispatch
    .command('set')
    .description('mark servers down or up by hand (what watchd does on a failure)')
    .option('--name <name>', 'lab name')
    .option('--down <servers...>', 'servers to take out of the function')
    .option('--up <servers...>', 'servers to put back')
    .action(async (opts: { name?: string; down?: string[]; up?: string[] }) => {
      if (!opts.down && !opts.up) throw new UsageError('dispatch set: give --down SERVER or --up SERVER');
      // under the state lock, on the state as it is now (watchd may change it too), leaving killed nodes alone
      const lab = new SurvivorLab(await findLab(opts.name));
      await withStateLock(lab.name, async () => {
        await refreshState(lab);
        await changeAlive(lab, opts.down ?? [], opts.up ?? []);
      });
      showDispatch(lab, false);
    });

  program
    .command('counters')
    .description('per-node packet counters: dispatch rules, accepted/dropped ghost packets, ICMP redirects')
    .option('--name <name>', 'lab name')
    .option('--json', 'machine-readable output')
    .argument('[node]', 'only this node')
    .action(async (node: string | undefined, opts: { name?: string; json?: boolean }) => printCounters(await RunningLab.open(opts.name), node, Boolean(opts.json)));
}
