// `lab test`: runs the whole test suite with tap and ends with a plain "N passed, N failed" line.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../../util/paths.js';
import { formatTapFailures, tapFailures } from '../tap-failures.js';

/** Counts from tap's closing "# { total: 7, pass: 4, fail: 3, skip: 1 }" line. */
export function tapTotals(output: string): { pass: number; fail: number; skip: number } | undefined {
  const lines = output.split('\n').filter((l) => /^# \{ total: /.test(l));
  const last = lines.at(-1);
  if (!last) return undefined;
  const num = (key: string): number => Number(new RegExp(`${key}: (\\d+)`).exec(last)?.[1] ?? 0);
  return { pass: num('pass'), fail: num('fail'), skip: num('skip') };
}

/** Type-checks src/ and test/ together (tsconfig.test.json): one check of the run, printed as tap prints its own. */
function typecheck(root: string): boolean {
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.test.json'], { cwd: root, encoding: 'utf8' });
  const ok = r.status === 0;
  console.log(ok ? 'ok - the tests type-check (tsc -p tsconfig.test.json)' : `not ok - the tests type-check (tsc -p tsconfig.test.json)\n${(r.stdout + r.stderr).trim()}`);
  return ok;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('type-check the tests, run the unit and integration tests (integration needs root) and print "N passed, N failed"')
    .argument('[files...]', 'only these test files')
    .option('--backend <backend>', 'auto (default): the lab suites on netns, and on Docker when an engine answers | docker: set up an engine and the node image first, then the lab suites on Docker only, never skipped | netns: on netns only')
    .allowUnknownOption()
    .action(async (files: string[], opts: { backend?: string }) => {
      const root = projectRoot();
      const backend = (await import('./lifecycle.js')).backendOption(opts.backend);
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (backend === 'docker') await (await import('./test-docker.js')).prepareDocker();
      if (backend === 'docker' || backend === 'netns') env.OLAB_TEST_BACKEND = backend;
      const typed = files.length > 0 || typecheck(root);
      const tap = join(root, 'node_modules', '.bin', 'tap');
      const child = spawn(tap, ['-R', 'tap', ...files], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        process.stdout.write(chunk);
      });
      let code: number = await new Promise((res) => child.on('close', (c) => res(c ?? 1)));
      const totals = tapTotals(output) ?? { pass: 0, fail: 1, skip: 0 };
      if (code !== 0 && totals.fail === 0) totals.fail = 1;
      if (files.length === 0) typed ? totals.pass++ : totals.fail++;
      if (!typed) code = code || 1;
      const failed = formatTapFailures(tapFailures(output));
      if (failed) console.log(failed);
      console.log(`${totals.pass} passed, ${totals.fail} failed${totals.skip ? `, ${totals.skip} skipped` : ''}`);
      process.exitCode = code;
    });
}
