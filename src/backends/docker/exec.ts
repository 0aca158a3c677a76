// `docker exec` through the API: argv, stdin over a hijacked socket, demuxed stdout/stderr, exit code, timeout.
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { TIMEOUT_EXIT_CODE, type ExecResult } from '../backend.js';
import { debugCommand, traced } from '../common/debug.js';
import { isDeadlineError } from './deadline.js';
import { nodeOfContainer } from './names.js';
/** After the command has exited, how long a background child may keep the output stream open before we stop reading. */
const EXIT_GRACE_MS = 500;
/** How often to ask the engine whether the command has exited while its stream is still open. */
const POLL_MS = 150;

export interface ContainerExecOptions {
  input?: string;
  timeoutMs?: number;
  /** no trace line: the caller traces what the command stands for (spawn: the process it started, not its wrapper) */
  quiet?: boolean;
}

/**
 * Runs argv in a running container and waits for it (traced under OLAB_DEBUG as the node's command). With a
 * timeout, the command runs under coreutils `timeout` inside the container (it signals the command's whole
 * process group: TERM, then KILL 200 ms later).
 */
export function execIn(docker: Docker, container: string, argv: string[], options: ContainerExecOptions = {}): Promise<ExecResult> {
  if (options.quiet) return execUntraced(docker, container, argv, options);
  return traced(nodeOfContainer(container), argv, () => execUntraced(docker, container, argv, options));
}

async function execUntraced(docker: Docker, container: string, argv: string[], options: ContainerExecOptions): Promise<ExecResult> {
  const withStdin = options.input !== undefined;
  const timeoutS = options.timeoutMs !== undefined ? Math.max(options.timeoutMs, 1) / 1000 : undefined;
  const cmd = timeoutS !== undefined ? ['timeout', '-k', '0.2', String(timeoutS), ...argv] : argv;
  const exec = await docker.getContainer(container).exec({
    Cmd: cmd,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const t0 = Date.now();
  // hijack gives a socket whose write side can be closed (stdin EOF) while we keep reading
  const raw = (await exec.start({ hijack: withStdin, stdin: withStdin })) as Duplex;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  stdout.on('error', () => {});
  stderr.on('error', () => {});
  docker.modem.demuxStream(raw, stdout, stderr);
  if (withStdin) {
    raw.on('error', () => {}); // the command may exit without reading its input
    raw.end(options.input);
  }

  let stopPolling = false;
  const ended = new Promise<'ended'>((resolve) => {
    raw.once('end', () => resolve('ended'));
    raw.once('close', () => resolve('ended'));
    raw.once('error', () => resolve('ended'));
  });
  // a background child that inherited stdout keeps the stream open after the command ended: notice the exit
  const exited = (async (): Promise<'exited'> => {
    await sleep(POLL_MS * 2);
    const hardDeadline = options.timeoutMs !== undefined ? t0 + options.timeoutMs + 5000 : Infinity;
    while (!stopPolling) {
      // a transient error is asked again; an engine that stopped answering ends the exec
      const info = await exec.inspect().catch((e: unknown) => {
        if (isDeadlineError(e)) throw e;
        return undefined;
      });
      if ((info && !info.Running) || Date.now() > hardDeadline) {
        await Promise.race([ended, sleep(EXIT_GRACE_MS)]);
        return 'exited';
      }
      await sleep(POLL_MS);
    }
    return 'exited';
  })();
  exited.catch(() => {}); // when the stream ends first, a later failure of the poll is nobody's
  try {
    await Promise.race([ended, exited]);
  } finally {
    stopPolling = true;
    raw.destroy();
  }
  stdout.end();
  stderr.end();

  let info = await exec.inspect();
  for (let i = 0; info.Running && i < 100; i++) {
    await sleep(20);
    info = await exec.inspect();
  }
  let exitCode = info.Running ? TIMEOUT_EXIT_CODE : (info.ExitCode ?? 1);
  let stderrText = Buffer.concat(err).toString('utf8');
  if (timeoutS !== undefined && (exitCode === TIMEOUT_EXIT_CODE || (exitCode === 137 && Date.now() - t0 >= options.timeoutMs!))) {
    exitCode = TIMEOUT_EXIT_CODE;
    stderrText += `${argv[0]}: timed out after ${options.timeoutMs} ms\n`;
  }
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: stderrText };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Streams a file in a container from byte `offset` on as it grows (`tail -F`); the returned function ends it,
 * by the pid the script printed first.
 */
export async function followInContainer(
  docker: Docker,
  container: string,
  file: string,
  offset: number,
  onData: (data: Buffer) => void,
  onEnd: () => void = () => {},
): Promise<() => Promise<void>> {
  const script = 'echo "$$"; exec tail -c +"$2" -F "$1" 2>/dev/null';
  const argv = ['sh', '-c', script, 'sh', file, String(offset + 1)];
  const t0 = performance.now();
  const exec = await docker.getContainer(container).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, Tty: false });
  const raw = (await exec.start({ hijack: false, stdin: false })) as Duplex;
  const stdout = new PassThrough();
  let pid: string | undefined;
  let head = '';
  stdout.on('data', (c: Buffer) => {
    if (pid !== undefined) return onData(c);
    head += c.toString('latin1');
    const nl = head.indexOf('\n');
    if (nl < 0) return;
    pid = head.slice(0, nl);
    const rest = Buffer.from(head.slice(nl + 1), 'latin1');
    if (rest.length > 0) onData(rest);
  });
  let stopped = false;
  raw.on('error', () => {});
  // the container stopped (a killed node) or the engine went away: the caller may follow again
  raw.once('close', () => {
    debugCommand(nodeOfContainer(container), argv, stopped ? 'stopped' : 'ended', performance.now() - t0);
    if (!stopped) onEnd();
  });
  docker.modem.demuxStream(raw, stdout, new PassThrough());
  return async () => {
    stopped = true;
    raw.destroy();
    if (pid && /^\d+$/.test(pid)) await execIn(docker, container, ['kill', pid]).catch(() => undefined);
  };
}
