// Runs a host command with optional stdin and timeout, returning exit code and output (traced under OLAB_DEBUG); never throws unless asked to.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { BackendError, TIMEOUT_EXIT_CODE, type ExecResult } from '../backend.js';
import { traced } from './debug.js';
import { formatCommand } from './shell-quote.js';

export interface RunOptions {
  /** text written to standard input (stdin is empty otherwise) */
  input?: string;
  /** SIGKILL after this many ms; the result then has exit code 124 */
  timeoutMs?: number;
}

/** Runs `cmd args...` on the host without a shell; a missing program gives exit code 127. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  return traced('host', [cmd, ...args], () => runUntraced(cmd, args, options));
}

/** run() without the trace line, for a caller that traces the command under a node's name itself. */
export function runUntraced(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
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
    throw new BackendError(`\`${formatCommand([cmd, ...args])}\` failed (exit ${r.exitCode}): ${detail}`, node, detail);
  }
  return r;
}
