// `lab dispatch show|set` and `lab counters`: inspect and change the dispatch function of a running lab.
import type { Command } from 'commander';
import type { RunningLab } from '../../lab/running-lab.js';
import { UsageError } from '../../util/errors.js';

/** The lab, opened when the command runs, with the presenters of this file's commands. */
async function openLab(name: string | undefined): Promise<{ lab: RunningLab; present: typeof import('../../present/dispatch.js') }> {
  const [{ RunningLab }, present] = await Promise.all([import('../../lab/running-lab.js'), import('../../present/dispatch.js')]);
  return { lab: await RunningLab.open(name), present };
}

export function registerDispatch(program: Command): void {
  const dispatch = program.command('dispatch').description('show or change the dispatch function of a running lab');
  dispatch
    .command('show')
    .description('function, alive set, and how the client population maps to servers')
    .option('--name <name>', 'lab name')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; json?: boolean }) => {
      const { lab, present } = await openLab(opts.name);
      present.showDispatch(lab, Boolean(opts.json));
    });
  dispatch
    .command('set')
    .description('mark servers down or up by hand (what watchd does on a failure)')
    .option('--name <name>', 'lab name')
    .option('--down <servers...>', 'servers to take out of the function')
    .option('--up <servers...>', 'servers to put back')
    .action(async (opts: { name?: string; down?: string[]; up?: string[] }) => {
      if (!opts.down && !opts.up) throw new UsageError('dispatch set: give --down SERVER or --up SERVER');
      // under the state lock, on the state as it is now (watchd may change it too), leaving killed nodes alone
      const { lab, present } = await openLab(opts.name);
      const { changeAlive } = await import('../../lab/dispatch-control.js');
      await changeAlive(lab, opts.down ?? [], opts.up ?? []);
      present.showDispatch(lab, false);
    });

  program
    .command('counters')
    .description('per-node packet counters: dispatch rules, accepted/dropped ghost packets, ICMP redirects')
    .option('--name <name>', 'lab name')
    .option('--json', 'machine-readable output')
    .argument('[node]', 'only this node')
    .action(async (node: string | undefined, opts: { name?: string; json?: boolean }) => {
      const { lab, present } = await openLab(opts.name);
      await present.printCounters(lab, node, Boolean(opts.json));
    });
}
