// Commands that create and remove labs: up, down, clean.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkLabName } from '../../util/lab-name.js';
import type { RunningLab } from '../../lab/running-lab.js';
import { BACKENDS, type BackendChoice } from '../../topology/types.js';
import { UsageError } from '../../util/errors.js';

/** --backend's value, checked (up, demo). */
export function backendOption(value: string | undefined): BackendChoice | undefined {
  if (value === undefined) return undefined;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new UsageError(`--backend: "${value}" is not one of ${BACKENDS.join(', ')}`);
  return value as BackendChoice;
}

/** Tears the lab down if the command is interrupted by a signal, so nothing is left behind; returns the release. */
export function cleanupOnSignal(name: string, what = 'the half-built lab'): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nlab: ${signal}: removing ${what} "${name}"\n`);
    import('../../lab/down.js')
      .then(({ downLab }) => downLab(name))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export interface UpFlags {
  topology?: string;
  name?: string;
  backend?: string;
}

/** `up -t FILE [--name] [--backend]` with a spinner; Ctrl-C part way removes what was built. Shared with `lab shell -t`. */
export async function upFromFile(opts: UpFlags): Promise<RunningLab> {
  const [{ upLab }, { progress }, { topologyFrom }] = await Promise.all([import('../../lab/up.js'), import('../spinner.js'), import('../topology-arg.js')]);
  const t = topologyFrom(opts.topology);
  const name = checkLabName(opts.name ?? t.name);
  const backend = backendOption(opts.backend);
  const spin = progress(`bringing up lab "${name}"`);
  const release = cleanupOnSignal(name);
  try {
    const lab = await upLab(t, resolve(opts.topology!), { name, ...(backend ? { backend } : {}), onStep: spin.step });
    spin.succeed(`lab "${name}" is up (${t.scheme} scheme, ${t.servers.length} servers, ${lab.state.backend} backend)`);
    return lab;
  } catch (err) {
    spin.fail();
    throw err;
  } finally {
    release();
  }
}

export function registerLifecycle(program: Command): void {
  program
    .command('up')
    .description('create a lab from a topology file and start its servers')
    .option('-t, --topology <file>', 'topology file')
    .option('--name <name>', 'lab name (default: the topology\'s name)')
    .option('--backend <backend>', `auto | netns | docker (default: the topology's)`)
    .action(async (opts: UpFlags) => {
      const lab = await upFromFile(opts);
      (await import('../../present/status.js')).printStatus(lab.state);
    });

  program
    .command('down')
    .description('remove a lab: nodes, links, processes, state (fine when it is already gone)')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .action(async (opts: { name?: string }) => {
      const [{ downLab }, { findLab }] = await Promise.all([import('../../lab/down.js'), import('../../lab/state.js')]);
      const name = opts.name ?? (await findLab().catch(() => undefined))?.name;
      if (!name) {
        console.log('no lab is running');
        return;
      }
      const removed = await downLab(name);
      console.log(removed ? `lab "${name}" removed` : `no lab named "${name}": nothing to remove`);
    });

  program
    .command('clean')
    .description('remove every lab and every leftover of crashed runs (by state folder and name prefix)')
    .action(async () => {
      const { cleanAll } = await import('../../lab/down.js');
      const removed = await cleanAll();
      console.log(removed.length ? `removed: ${removed.join(', ')}` : 'nothing to clean');
    });
}
