// `lab shell`: a Mininet-style prompt on a running lab, or (with -t FILE) on a lab it brings up and takes down on exit, like `mn`.
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';
import { upFromFile, type UpFlags } from './lifecycle.js';

/** Takes the lab the shell brought up down again, saying so. */
async function takeDown(name: string): Promise<void> {
  console.log(`taking lab "${name}" down (the shell brought it up)...`);
  const { downLab } = await import('../../lab/down.js');
  await downLab(name);
  console.log(`lab "${name}" removed`);
}

async function shellAction(opts: UpFlags): Promise<void> {
  const owned = opts.topology !== undefined;
  if (!owned && opts.backend !== undefined) throw new UsageError('--backend goes with -t FILE (a lab the shell brings up)');
  const [{ RunningLab }, { historyFile }, { runShell }, { printStatus }] = await Promise.all([
    import('../../lab/running-lab.js'),
    import('../../shell/history.js'),
    import('../../shell/repl.js'),
    import('../../present/status.js'),
  ]);
  const lab = owned ? await upFromFile(opts) : await RunningLab.open(opts.name);
  if (owned) printStatus(lab.state);
  console.log(`lab "${lab.name}": type help for the commands${owned ? '; the lab is removed when you leave' : ''}`);
  await runShell({ lab, history: historyFile(), ...(owned ? { onLeave: () => takeDown(lab.name) } : {}) });
}

export function registerShell(program: Command): void {
  program
    .command('shell')
    .description('an interactive prompt on a lab (Mininet style): status, kill/revive, link, loss, exec, dispatch, counters, a background bench with a live table')
    .option('--name <name>', 'lab name (default: the only running lab; with -t: the topology\'s name)')
    .option('-t, --topology <file>', 'bring this topology up first and take it down when the shell ends')
    .option('--backend <backend>', 'with -t: auto | netns | docker (default: the topology\'s)')
    .action(shellAction);
}
