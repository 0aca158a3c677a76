// `lab kill|stop|revive|drain|undrain NODE`, `lab link NODE down|up`, `lab loss NODE PERCENT`, `lab scale --servers N`: one command per entry of the actions table.
import type { Command } from 'commander';
import { ACTIONS, actionFromWords, runAction } from '../../lab/actions.js';
import { MAX_SERVERS } from '../../topology-file/limits.js';

export function registerFailures(program: Command): void {
  for (const def of ACTIONS) {
    if (def.operand === 'count') {
      program
        .command(def.name)
        .description(def.description)
        .option('--name <name>', 'lab name (default: the only running lab)')
        .requiredOption('--servers <N>', `the number of servers after it (1..${MAX_SERVERS})`)
        .action(async (opts: { name?: string; servers: string }) => {
          const action = actionFromWords([def.name, opts.servers]);
          const { RunningLab } = await import('../../lab/running-lab.js');
          console.log(await runAction(await RunningLab.open(opts.name), action));
        });
      continue;
    }
    const cmd = program
      .command(def.name)
      .description(def.description)
      .option('--name <name>', 'lab name (default: the only running lab)')
      .argument('<node>', 'node name (s0, dispatcher, router, ...)');
    if (def.argument) cmd.argument(`<${def.argument.name}>`, def.argument.help);
    cmd.action(async (...args: unknown[]) => {
      const words = args.slice(0, def.argument ? 2 : 1) as string[];
      const opts = args[words.length] as { name?: string };
      const action = actionFromWords([def.name, ...words]);
      const { RunningLab } = await import('../../lab/running-lab.js');
      console.log(await runAction(await RunningLab.open(opts.name), action));
    });
  }
}
