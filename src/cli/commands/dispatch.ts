// `lab dispatch show|set` and `lab counters`: inspect and change the dispatch function of a running lab.
import type { Command } from 'commander';
import { changeAlive } from '../../lab/dispatch-control.js';
import { UsageError } from '../../util/errors.js';
import { RunningLab } from '../../lab/running-lab.js';
import { printCounters, showDispatch } from '../../present/dispatch.js';

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
      const lab = await RunningLab.open(opts.name);
      await changeAlive(lab, opts.down ?? [], opts.up ?? []);
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
