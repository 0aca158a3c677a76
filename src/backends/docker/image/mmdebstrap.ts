// Offline root filesystem of the node image: mmdebstrap a bookworm minbase with the recipe's packages into a tarball.
import { spawn } from 'node:child_process';
import { LabError } from '../../../util/errors.js';
import { debugCommand } from '../../common/debug.js';
import { run } from '../../common/run.js';
import { MMDEBSTRAP_OPTIONS, SUITE, type ImageRecipe } from './recipe.js';

/** The node image could not be built (exit code 1). */
export class ImageBuildError extends LabError {
  override name = 'ImageBuildError';
}

/** Whether a program is on PATH (via `sh -c command -v`). */
export async function haveProgram(name: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${name}`])).exitCode === 0;
}

export function mmdebstrapArgs(recipe: ImageRecipe, tarball: string): string[] {
  return [...MMDEBSTRAP_OPTIONS, `--include=${recipe.packages.join(',')}`, SUITE, tarball];
}

/** Runs mmdebstrap; `onLine` gets its progress lines; throws with the last lines of output on failure. */
export async function buildRootfsTarball(recipe: ImageRecipe, tarball: string, onLine: (line: string) => void = () => {}): Promise<void> {
  if (!(await haveProgram('mmdebstrap'))) {
    throw new ImageBuildError('mmdebstrap is not installed (apt-get install mmdebstrap, or run scripts/ensure-docker.sh)');
  }
  const tail: string[] = [];
  const argv = ['mmdebstrap', ...mmdebstrapArgs(recipe, tarball)];
  const t0 = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const l of lines.filter(Boolean)) {
        tail.push(l);
        if (tail.length > 15) tail.shift();
        onLine(l);
      }
    };
    p.stdout.on('data', take);
    p.stderr.on('data', take);
    p.on('error', (e) => reject(new ImageBuildError(`cannot run mmdebstrap: ${e.message}`)));
    p.on('close', (c) => resolve(c ?? 1));
  });
  debugCommand('host', argv, code, performance.now() - t0);
  if (code !== 0) throw new ImageBuildError(`mmdebstrap failed (exit ${code}):\n${tail.join('\n')}`);
}
