// Test helper: runs the real `./lab` command line and returns its exit code and output.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAB = join(ROOT, 'lab');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function lab(args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(LAB, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Starts `./lab args` in the background (for killing it part way). */
export function labChild(args: string[]): ReturnType<typeof spawn> {
  return spawn(LAB, args, { cwd: ROOT, stdio: 'ignore' });
}

export const isRoot = process.getuid?.() === 0;
/** Reason to skip root-only tests, or false when they can run. */
export const needsRoot: string | false = isRoot ? false : 'needs root (network namespaces)';

export function sh(cmd: string): string {
  return spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout ?? '';
}

/** Everything of a lab visible on the host: namespaces and state folder. */
export function leftovers(name: string): string[] {
  const ns = sh('ip netns list').split('\n').filter((l) => l.startsWith(`olab-${name}-`));
  const state = sh(`ls -d /run/oneip-lab/${name} 2>/dev/null`).trim();
  const procs = sh(`for n in $(ip netns list | awk '{print $1}' | grep '^olab-${name}-'); do ip netns pids $n; done`).trim();
  return [...ns, ...(state ? [state] : []), ...(procs ? [`pids: ${procs}`] : [])];
}

/** A test's lab name with $OLAB_TEST_PREFIX before it (on a shared machine every run's labs carry its owner's prefix). */
export function testLabName(name: string): string {
  const full = `${process.env.OLAB_TEST_PREFIX ?? ''}${name}`;
  if (!/^[a-z][a-z0-9]{0,9}$/.test(full)) throw new Error(`OLAB_TEST_PREFIX + "${name}" = "${full}" is not a lab name (a lowercase letter, then up to 9 lowercase letters or digits)`);
  return full;
}

/** `./lab args` without blocking this process (a fake engine served from this process must keep answering). */
export function labAsync(args: string[], env: Record<string, string> = {}, guardMs = 170_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(LAB, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    // the command must end by itself long before this
    const guard = setTimeout(() => child.kill('SIGKILL'), guardMs);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `lab test --backend B` ($OLAB_TEST_BACKEND): why a backend's cases are left out of this run, or false. */
export function backendLeftOut(backend: 'netns' | 'docker'): string | false {
  const only = process.env.OLAB_TEST_BACKEND;
  return only === 'netns' || only === 'docker' ? (only === backend ? false : `lab test --backend ${only}`) : false;
}
