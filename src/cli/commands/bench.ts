// `lab bench`: HTTP load through the ghost from many client addresses; per-server table, JSON and HTML reports.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { BenchFlags } from '../../lab/bench.js';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('HTTP load through the ghost from many client addresses, held to the dispatch model')
    .option('--name <name>', 'lab name')
    .option('--target <address>', 'address to load (default: the ghost)')
    .option('--port <port>', 'TCP port', '80')
    .option('--resolver <address>', 'the target is a name each client resolves by asking this server (default: the scheme\'s, e.g. the dns scheme\'s name server)')
    .option('--duration <time>', 'how long: 500ms, 10s, 1m', '10s')
    .option('--rate <r>', 'open loop: requests per second (latency from the intended send time)')
    .option('--concurrency <c>', 'closed loop: requests in flight (default 32 when no --rate)')
    .option('--mode <mode>', 'close (a connection per request) or keepalive (each connection lasts the run)', 'close')
    .option('--requests-per-connection <k>', 'keepalive: close each connection after K responses')
    .option('--clients <n>', 'distinct client addresses from the population', '1000')
    .option('--skew <skew>', 'uniform, or zipf:S (some clients far busier than others)')
    .option('--clients-from <file>', 'client addresses, one per line (e.g. from an access log)')
    .option('--bytes <n>', 'GET /bytes/N: responses of N bytes')
    .option('--timeout <time>', 'per-request timeout', '2s')
    .option('--workers <w>', 'generator threads')
    .option('--seed <seed>', 'seed of the client address draw')
    .option('--json', 'print the result as JSON')
    .option('--html <file>', 'write a self-contained HTML report')
    .action(async (opts: BenchFlags & { name?: string; json?: boolean; html?: string }) => {
      const [{ runBench }, { RunningLab }, { printBench }, { printJson }, { progress }] = await Promise.all([
        import('../../lab/bench.js'),
        import('../../lab/running-lab.js'),
        import('../../present/bench.js'),
        import('../../present/output.js'),
        import('../spinner.js'),
      ]);
      const lab = await RunningLab.open(opts.name);
      const spin = progress(`bench on ${lab.name}`);
      const result = await runBench(lab, opts, (p) => spin.step(`bench: ${(p.elapsed_ms / 1000).toFixed(0)} s, ${p.sent} sent, ${p.ok} ok, ${p.errors} errors, ${p.rps.toFixed(0)} req/s`));
      spin.succeed(`bench: ${result.requests.ok} ok, ${result.requests.errors} errors, ${result.mismatches} mismatches`);
      if (opts.html) {
        const { renderBenchHtml } = await import('../../report/html.js');
        await writeFile(opts.html, renderBenchHtml(result));
      }
      if (opts.json) printJson(result);
      else printBench(result);
    });
}
