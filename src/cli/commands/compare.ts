// `lab compare`: the schemes side by side under the same protocol, one lab each in turn; a table, --json, --html.
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { LabError } from '../../util/errors.js';
import { cleanupOnSignal } from './lifecycle.js';
import type { CompareFlags } from '../../lab/compare/options.js';

/** The command's options: compare's flags (checked in lab/compare/options.ts) and how to print. */
interface CompareCliFlags extends CompareFlags {
  json?: boolean;
  html?: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare schemes under the same protocol (steady load, saturation, 1 MiB replies, a failure, FTP), one lab each in turn')
    .option('--schemes <list>', 'comma-separated schemes of the registry (default: all)')
    .option('--servers <n>', 'servers in every lab (default 4)')
    .option('--duration <d>', 'length of each run, e.g. 5s (default 5s)')
    .option('--rate <r>', 'offered load of the steady and failure runs, requests/s (default 200)')
    .option('--failure <action>', 'the node failed under load, ACTION:NODE (default kill:s1)')
    .option('--shape <rate>', "tbf rate on the dispatcher node's LAN link in every scheme, e.g. 100mbit")
    .option('--name <prefix>', 'prefix of the labs\' names (default cmp): PREFIX, the scheme\'s place, its name')
    .option('--backend <backend>', 'auto | netns | docker (default: each topology\'s)')
    .option('--json', 'print {rows: [...]} as JSON')
    .option('--html <file>', 'also write a self-contained HTML page with a chart per figure')
    .action(async (opts: CompareCliFlags) => {
      const [{ parseCompareFlags }, { comparePlan, runCompare }, { printJson }, { compareJson, printCompare }, { progress }] = await Promise.all([
        import('../../lab/compare/options.js'),
        import('../../lab/compare/run.js'),
        import('../../present/output.js'),
        import('../../present/compare.js'),
        import('../spinner.js'),
      ]);
      const o = parseCompareFlags(opts);
      comparePlan(o); // every topology and the failure's node checked before anything is built
      const spin = progress(`compare ${o.schemes.join(', ')}`);
      // Ctrl-C part way removes the lab in progress
      let release = (): void => {};
      const result = await runCompare(o, {
        onStep: (t) => spin.step(`compare: ${t}`),
        onLab: (name, phase) => {
          release();
          release = phase === 'up' ? cleanupOnSignal(name, "the comparison's lab") : () => {};
        },
      }).catch((err: unknown) => {
        spin.fail('compare could not finish');
        throw err;
      });
      release();
      spin.succeed(`compared ${o.schemes.join(', ')}`);
      if (opts.html) {
        const { renderCompareHtml } = await import('../../report/compare-html.js');
        await writeFile(opts.html, renderCompareHtml(result)).catch((e: Error) => {
          throw new LabError(`--html: cannot write ${opts.html}: ${e.message}`);
        });
      }
      // --json keeps stdout to {rows}: what failed goes to stderr
      if (opts.json) for (const d of result.details) for (const v of d.verdicts.filter((x) => !x.pass)) process.stderr.write(`lab: compare: ${d.scheme}: ${v.name}: ${v.detail}\n`);
      if (opts.json) printJson(compareJson(result));
      else printCompare(result);
    });
}
