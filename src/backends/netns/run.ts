// Runs a command with optional stdin and timeout, returning exit code and output; never throws unless asked to.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { BackendError, type ExecResult } from '../backend.js';

export interface RunOptions {
  /** text written to standard input (stdin is empty otherwise) */
  input?: string;
  /** SIGKILL after this many ms; the result then has exit code 124 */
  timeoutMs?: number;
}

/** Exit code reported when the timeout killed the command, as timeout(1) does. */
export const TIMEOUT_EXIT_CODE = 124;

/** Runs `cmd args...` without a shell; a missing program gives exit code 127. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (r: ExecResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      resolve(r);
    };
    const child = spawn(cmd, [...args], { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : undefined;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ exitCode: e.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: `${cmd}: ${e.message}\n` });
    });
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      let stderr = Buffer.concat(err).toString('utf8');
      let exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      if (timedOut) {
        exitCode = TIMEOUT_EXIT_CODE;
        stderr += `${cmd}: timed out after ${options.timeoutMs} ms\n`;
      }
      finish({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr });
    };
    child.on('close', done);
    // a background grandchild may hold stdout open long after the command ended: give it a moment, then stop reading
    child.on('exit', (code, signal) => {
      grace = setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        done(code, signal);
      }, 500);
      grace.unref();
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {}); // the command may exit without reading its input
      child.stdin.end(options.input);
    }
  });
}

/** Shell-style rendering of a command line for error messages. */
export function formatCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Like run(), but a non-zero exit throws a BackendError naming the command and its stderr. */
export async function runOrThrow(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
  node?: string,
): Promise<ExecResult> {
  const r = await run(cmd, args, options);
  if (r.exitCode !== 0) {
    const detail = (r.stderr || r.stdout).trim();
    throw new BackendError(`\`${formatCommand(cmd, args)}\` failed (exit ${r.exitCode}): ${detail}`, node, detail);
  }
  return r;
}

/** Maps items with at most `limit` calls in flight; rejects with the first error once all started calls settle. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
  return results;
}
