// `lab status`: the lab's scheme, backend, ghost and every node with its role and addresses.
import type { Command } from 'commander';
import { runningContainers } from '../../backends/docker/clean.js';
import { findLab } from '../../lab/state.js';
import { watchdStatus } from '../../lab/watchd-process.js';
import { printJson } from '../../present/output.js';
import { printStatus, printWatchd, statusJson } from '../../present/status.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a running lab: scheme, backend, ghost, nodes with roles and addresses, injected failures, watchd and its last events')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; json?: boolean }) => {
      const state = await findLab(opts.name);
      const watchd = await watchdStatus(state);
      const containers = state.backend === 'docker' ? await runningContainers(state.name) : undefined;
      if (opts.json) return printJson({ ...statusJson(state), watchd, ...(containers ? { containers } : {}) });
      printStatus(state);
      if (containers) console.log(`containers: ${containers.running} of ${containers.total} running`);
      printWatchd(watchd);
    });
}
