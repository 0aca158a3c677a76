// `lab demo`: for each scheme, bring a 4-server cluster up, show it, put HTTP load through the ghost, kill and revive a server under load, take it down.
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('both schemes in turn: up a 4-server cluster, show it, HTTP load through the ghost, kill and revive s1 under load, per-server tables, down')
    .option('--name <name>', 'lab name', 'demo')
    .option('--duration <time>', 'load per scheme', '3s')
    .option('--failure <seconds>', 'length of the failure part under load (0: none)', '9')
    .option('--backend <backend>', "auto | netns | docker (default: the topology's); docker sets up an engine and the node image when missing")
    .action(async (opts: { name: string; duration: string; failure: string; backend?: string }) => {
      const backend = (await import('./lifecycle.js')).backendOption(opts.backend);
      const seconds = Number(opts.failure);
      if (!/^\d+$/.test(opts.failure) || (seconds > 0 && seconds < 3) || seconds > 600) throw new UsageError(`--failure must be 0 or a whole number of seconds from 3 to 600, got "${opts.failure}"`);
      const { DEMO_SCHEMES, demoScheme } = await import('./demo-run.js');
      for (const scheme of DEMO_SCHEMES) await demoScheme(scheme, opts.name, opts.duration, seconds, backend);
    });
}
