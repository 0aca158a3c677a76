// OLAB_DEBUG=1: one stderr line for every command a backend runs (where, the command line, its exit code, milliseconds).
import { formatCommand } from './shell-quote.js';

/** Whether OLAB_DEBUG asks for command tracing (any value but empty or "0"). */
export function debugEnabled(): boolean {
  const v = process.env.OLAB_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** The command line on one line: newlines inside arguments (scripts) shown as \n. */
export function oneLine(argv: readonly string[]): string {
  return formatCommand(argv).replace(/\r?\n/g, '\\n');
}

/**
 * Prints "olab-debug <where>: <command line> -> <outcome> (<ms> ms)" to stderr; `where` is a node or "host",
 * `outcome` an exit code, or what happened instead ("pid 1234", "error: ...").
 */
export function debugCommand(where: string, argv: readonly string[], outcome: number | string, ms: number): void {
  if (!debugEnabled()) return;
  const what = typeof outcome === 'number' ? `exit ${outcome}` : outcome;
  process.stderr.write(`olab-debug ${where}: ${oneLine(argv)} -> ${what} (${Math.round(ms)} ms)\n`);
}

/** Runs a command through `fn` and traces it; a rejection is traced as an error and passed on. */
export async function traced<T extends { exitCode: number }>(where: string, argv: readonly string[], fn: () => Promise<T>): Promise<T> {
  if (!debugEnabled()) return fn();
  const t0 = performance.now();
  try {
    const r = await fn();
    debugCommand(where, argv, r.exitCode, performance.now() - t0);
    return r;
  } catch (err) {
    debugCommand(where, argv, `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, performance.now() - t0);
    throw err;
  }
}

/** A plan applied as one `sh -e` script: each step's command line (a loaded file as `command <<EOF`), then the script's outcome. */
export function debugPlan(node: string, steps: readonly { kind: string; line?: string; command?: string }[], exitCode: number, ms: number): void {
  if (!debugEnabled()) return;
  for (const s of steps) process.stderr.write(`olab-debug ${node}: plan: ${s.kind === 'run' ? s.line : `${s.command} <<EOF`}\n`);
  process.stderr.write(`olab-debug ${node}: plan of ${steps.length} step${steps.length === 1 ? '' : 's'} -> exit ${exitCode} (${Math.round(ms)} ms)\n`);
}
