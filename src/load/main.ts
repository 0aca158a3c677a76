// CLI: node dist/src/load/main.js --target ... --json -> one JSON result on stdout; usage errors exit 2.
import type { ProgressCounters } from './engine.js';
import { LoadUsageError } from './errors.js';
import { parseLoadArgs, USAGE } from './options.js';
import { startLoad, type LoadResult } from './run-load.js';
import { isMainModule } from '../util/main-module.js';

/** A short human-readable report (without --json). */
export function formatResult(r: LoadResult): string {
  const l = r.latency_ms;
  const c = r.connections;
  const loop = r.loop.kind === 'open' ? `rate ${r.loop.rate}/s` : `concurrency ${r.loop.concurrency}`;
  const errs = Object.entries(r.errors_by_kind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const servers = Object.entries(r.servers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, v]) => `  ${s}: ${v.requests} requests from ${v.clients} clients`);
  return [
    `${r.target}:${r.port}${r.path}  ${r.mode}, ${loop}, ${r.clients_count} clients, ${r.duration_s}s, ${r.workers} worker(s)`,
    `requests: ${r.requests.sent} sent, ${r.requests.ok} ok, ${r.requests.errors} errors${errs ? ` (${errs})` : ''}`,
    `throughput: ${r.throughput_rps} req/s`,
    `latency ms: p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} p99.9 ${l.p999} max ${l.max}`,
    `connections: ${c.opened} opened, ${c.completed} completed, ${c.broken} broken, ${c.switched_server} answered by more than one server; ${r.connections_per_request ?? '-'} per request`,
    ...(r.dns ? [`dns: ${r.dns.name} via ${r.dns.resolver}: ${r.dns.queries} queries (${r.dns_queries_per_request} per request), ${r.dns.failed} failed; ${r.dns.behaviour}`] : []),
    'servers:',
    ...servers,
  ].join('\n');
}

/** Runs the CLI; resolves with the exit code (2 for usage errors). */
export async function main(argv: string[]): Promise<number> {
  let cli;
  try {
    cli = parseLoadArgs(argv);
  } catch (e) {
    if (e instanceof LoadUsageError) {
      process.stderr.write(`load: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let lastOk = 0;
  let lastT = 0;
  const progress = cli.progress
    ? (p: ProgressCounters): void => {
        const rps = p.elapsed_ms > lastT ? Math.round(((p.ok - lastOk) * 1000) / (p.elapsed_ms - lastT)) : 0;
        [lastOk, lastT] = [p.ok, p.elapsed_ms];
        process.stderr.write(`${JSON.stringify({ progress: { ...p, rps } })}\n`);
      }
    : undefined;
  const run = startLoad({ ...cli.load, onProgress: progress });
  // a stop asked for ends the sending window; the result still comes, with every request accounted for
  const stop = (): void => run.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const result = await run.result;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  process.stdout.write(cli.json ? `${JSON.stringify(result)}\n` : `${formatResult(result)}\n`);
  return 0;
}

if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`load: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
