// `lab status`: the lab's scheme, backend, ghost and every node with its role and addresses.
import type { Command } from 'commander';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a running lab: scheme, backend, ghost, nodes with roles and addresses, injected failures, watchd and its last events')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; json?: boolean }) => {
      const [{ findLab }, { watchdStatus }, { printJson }, { printStatus, printWatchd, statusJson }] = await Promise.all([
        import('../../lab/state.js'),
        import('../../lab/watchd-process.js'),
        import('../../present/output.js'),
        import('../../present/status.js'),
      ]);
      let state = await findLab(opts.name);
      if (state.transition) {
        // a transition in force: look at what it waits for (and end it when nothing is left) before showing it
        const [{ RunningLab }, { settleTransition }] = await Promise.all([import('../../lab/running-lab.js'), import('../../lab/transition-end.js')]);
        const lab = new RunningLab(state);
        await settleTransition(lab);
        state = lab.state;
      }
      const watchd = await watchdStatus(state);
      const containers = state.backend === 'docker' ? await (await import('../../backends/docker/clean.js')).runningContainers(state.name) : undefined;
      if (opts.json) return printJson({ ...statusJson(state), watchd, ...(containers ? { containers } : {}) });
      printStatus(state);
      if (containers) console.log(`containers: ${containers.running} of ${containers.total} running`);
      printWatchd(watchd);
    });
}
