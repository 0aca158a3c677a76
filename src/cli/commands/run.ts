// `lab run FILE`: a failure scenario (timeline of kills, revives, link flaps under load) with pass/fail per assertion; exit 1 if any fails.
import type { Command } from 'commander';
import { LabError, UsageError } from '../../util/errors.js';
import { checkLabName } from '../../util/lab-name.js';
import type { ScenarioReport } from '../../scenario/run.js';
import { BACKENDS, type BackendChoice } from '../../topology/types.js';
import { cleanupOnSignal } from './lifecycle.js';
import { writeFile } from 'node:fs/promises';

/** `--html FILE`: the scenario's page (written whether or not its assertions passed). */
async function writeHtml(file: string, r: ScenarioReport): Promise<void> {
  const { renderScenarioHtml } = await import('../../report/scenario-html.js');
  await writeFile(file, renderScenarioHtml(r)).catch((e: Error) => {
    throw new LabError(`--html: cannot write ${file}: ${e.message}`);
  });
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a failure scenario: its lab up, load with a timeline of failures, pass/fail per assertion, lab down (exit 1 if any fails)')
    .argument('<file>', 'scenario file (scenarios/*.yaml)')
    .option('--backend <backend>', `override the topology's backend: ${BACKENDS.join(' | ')}`)
    .option('--name <name>', "lab name (default: the scenario's lab, else \"scenario\")")
    .option('--keep', 'leave the lab up afterwards')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML report: the timeline with a marker at every action and watchd reaction, the phases, the verdicts')
    .action(async (file: string, opts: { backend?: string; name?: string; keep?: boolean; json?: boolean; html?: string }) => {
      if (opts.backend !== undefined && !(BACKENDS as readonly string[]).includes(opts.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got "${opts.backend}"`);
      const [{ loadScenario }, { runScenario }, { printJson }, { printScenario }, { progress }] = await Promise.all([
        import('../../scenario/load.js'),
        import('../../scenario/run.js'),
        import('../../present/output.js'),
        import('../../present/scenario.js'),
        import('../spinner.js'),
      ]);
      const scenario = loadScenario(file);
      const name = checkLabName(opts.name ?? scenario.lab);
      const spin = progress(`scenario ${file}`);
      // Ctrl-C part way removes the scenario's lab (unless it is to be kept)
      const release = opts.keep ? () => {} : cleanupOnSignal(name, "the scenario's lab");
      let r: ScenarioReport;
      try {
        r = await runScenario(scenario, {
          backend: opts.backend as BackendChoice | undefined,
          name,
          keep: opts.keep,
          onStep: (t) => spin.step(`scenario: ${t}`),
          onProgress: (p) => spin.step(`scenario: load ${(p.elapsed_ms / 1000).toFixed(0)} s, ${p.ok} ok, ${p.errors} errors`),
        });
      } catch (err) {
        spin.fail(`scenario ${file} could not run`);
        throw err;
      } finally {
        release();
      }
      spin.succeed(`scenario ${file}: ${r.passed ? 'passed' : 'FAILED'}`);
      if (opts.html) await writeHtml(opts.html, r);
      if (opts.json) printJson(r);
      else printScenario(r);
      if (!r.passed) process.exitCode = 1;
    });
}
