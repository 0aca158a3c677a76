// Unit tests of OLAB_DEBUG=1 command tracing (src/backends/common/debug.ts): one stderr line per command, nothing on stdout, silence otherwise.
import t from 'tap';
import { debugCommand, debugPlan, oneLine, traced } from '../../src/backends/common/debug.js';
import { run } from '../../src/backends/common/run.js';

/** Runs fn with process.stdout/stderr writes captured; returns what each got. */
async function captured(fn: () => Promise<unknown>): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const real = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stdout.write = real.stdout;
    process.stderr.write = real.stderr;
  }
  return out;
}

function withDebug(value: string | undefined): void {
  if (value === undefined) delete process.env.OLAB_DEBUG;
  else process.env.OLAB_DEBUG = value;
}

t.teardown(() => withDebug(undefined));

t.test('a host command: one line with "host", the command line, the exit code and the milliseconds', async (t) => {
  withDebug('1');
  const got = await captured(() => run('sh', ['-c', 'echo hi; exit 3']));
  t.equal(got.stdout, '', 'nothing on stdout');
  t.match(got.stderr, /^olab-debug host: sh -c 'echo hi; exit 3' -> exit 3 \(\d+ ms\)\n$/, 'one line on stderr');
});

t.test('a command in a node, and one that could not run', async (t) => {
  withDebug('1');
  const ok = await captured(() => traced('s0', ['ip', '-br', 'addr'], async () => ({ exitCode: 0 })));
  t.match(ok.stderr, /^olab-debug s0: ip -br addr -> exit 0 \(\d+ ms\)\n$/);
  const failed = await captured(() => traced('s1', ['true'], async () => Promise.reject(new Error('container is not running\nmore'))).catch(() => {}));
  t.match(failed.stderr, /^olab-debug s1: true -> error: container is not running \(\d+ ms\)\n$/, 'the first line of the error');
  const started = await captured(async () => debugCommand('h1', ['sleep', '300'], 'started, pid 42', 3));
  t.equal(started.stderr, 'olab-debug h1: sleep 300 -> started, pid 42 (3 ms)\n');
});

t.test('a plan: each step on its own line, then the outcome of the whole script', async (t) => {
  withDebug('1');
  const steps = [
    { kind: 'run', line: 'ip addr replace 10.0.0.100/32 dev lo' },
    { kind: 'load', command: 'nft -f -', text: 'table ip t {}' },
  ];
  const got = await captured(async () => debugPlan('s0', steps, 1, 12.4));
  t.equal(got.stdout, '', 'nothing on stdout');
  t.equal(
    got.stderr,
    'olab-debug s0: plan: ip addr replace 10.0.0.100/32 dev lo\nolab-debug s0: plan: nft -f - <<EOF\nolab-debug s0: plan of 2 steps -> exit 1 (12 ms)\n',
  );
  withDebug(undefined);
  t.same(await captured(async () => debugPlan('s0', steps, 0, 1)), { stdout: '', stderr: '' }, 'silent without OLAB_DEBUG');
});

t.test('scripts stay on one line', async (t) => {
  t.equal(oneLine(['sh', '-c', 'set -e\necho one']), "sh -c 'set -e\\necho one'");
});

t.test('silent without OLAB_DEBUG, or with OLAB_DEBUG=0', async (t) => {
  for (const value of [undefined, '0', '']) {
    withDebug(value);
    const got = await captured(() => run('true', []));
    t.same(got, { stdout: '', stderr: '' }, `OLAB_DEBUG=${value ?? '(unset)'}`);
  }
});
