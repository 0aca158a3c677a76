// `lab run FILE`: a failure scenario (timeline of kills, revives, link flaps under load) with pass/fail per assertion; exit 1 if any fails.
import type { Command } from 'commander';
import { LabError, UsageError } from '../../util/errors.js';
import { checkLabName } from '../../util/lab-name.js';
import { loadScenario } from '../../scenario/load.js';
import { runScenario, type ScenarioReport } from '../../scenario/run.js';
import { BACKENDS, type BackendChoice } from '../../topology/types.js';
import { printJson, table } from '../../present/output.js';
import { progress } from '../spinner.js';
import { cleanupOnSignal } from './lifecycle.js';
import { writeFile } from 'node:fs/promises';

/** `--html FILE`: the scenario's page (written whether or not its assertions passed). */
async function writeHtml(file: string, r: ScenarioReport): Promise<void> {
  const { renderScenarioHtml } = await import('../../report/scenario-html.js');
  await writeFile(file, renderScenarioHtml(r)).catch((e: Error) => {
    throw new LabError(`--html: cannot write ${file}: ${e.message}`);
  });
}

const pct = (n: number, of: number): string => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

/** Per-server answers in each phase, with each server's share of the phase: the table before, during and after. */
export function phaseTable(r: Pick<ScenarioReport, 'phases'>): string {
  const servers = [...new Set(r.phases.flatMap((p) => Object.keys(p.servers)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ok = (p: ScenarioReport['phases'][number]): number => Object.values(p.servers).reduce((a, b) => a + b, 0);
  const head = ['', ...r.phases.map((p) => `${p.name} (${p.from_s.toFixed(1)}-${p.to_s.toFixed(1)} s)`)];
  const rows = servers.map((s) => [s, ...r.phases.map((p) => `${p.servers[s] ?? 0} ${pct(p.servers[s] ?? 0, ok(p))}`)]);
  rows.push(['errors', ...r.phases.map((p) => `${p.errors} of ${p.sent}`)]);
  return table(head, rows);
}

export function printScenario(r: ScenarioReport): void {
  console.log(`scenario ${r.file}${r.description ? `: ${r.description}` : ''}`);
  console.log(`lab "${r.lab}": ${r.scheme} scheme, ${r.function} function, ${r.backend} backend`);
  console.log(`requests: ${r.requests.sent} sent = ${r.requests.ok} ok + ${r.requests.errors} errors; ${r.throughput_rps.toFixed(0)} req/s`);
  const kinds = Object.entries(r.errors_by_kind).filter(([, n]) => n > 0);
  if (kinds.length) console.log(`errors: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log('answers per server in each phase (requests by their start):');
  console.log(phaseTable(r));
  for (const f of r.failovers) console.log(`failover: ${f.action} at +${f.at_s.toFixed(2)} s -> watchd took it out after ${f.ms} ms`);
  console.log(`requests broken by changes back: ${r.broken_by_change_back}`);
  for (const a of r.assertions) console.log(`${a.pass ? 'PASS' : 'FAIL'}  ${a.name}: ${a.detail}`);
  const passed = r.assertions.filter((a) => a.pass).length;
  console.log(`${r.passed ? 'passed' : 'FAILED'}: ${passed} of ${r.assertions.length} assertions`);
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
