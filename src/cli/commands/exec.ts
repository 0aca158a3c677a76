// `lab exec NODE -- CMD...`: run a command inside a lab node, passing its output and exit code through.
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run a command inside a node: lab exec client -- ip route')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .argument('<node>', 'node name (client, router, dispatcher, s0, ...)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .action(async (node: string, command: string[], opts: { name?: string }) => {
      if (command.length === 0) throw new UsageError('exec: give the command after --');
      const { RunningLab } = await import('../../lab/running-lab.js');
      const lab = await RunningLab.open(opts.name);
      const r = await lab.exec(node, command);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.exitCode;
    });
}
