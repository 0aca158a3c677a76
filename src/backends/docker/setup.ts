// Sets up what the Docker backend needs on this machine: an engine (scripts/ensure-docker.sh) and mmdebstrap (scripts/apt-install.sh), each step reported.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../util/paths.js';
import { BackendError } from '../backend.js';
import { haveProgram } from './image/mmdebstrap.js';

/** Installing docker.io with apt and starting dockerd: generous, it downloads packages. */
const SETUP_TIMEOUT_MS = 15 * 60_000;

/** Reports setup steps: to the spinner on a terminal, else one line per step on stderr. */
export function setupReporter(onStep?: (text: string) => void): (text: string) => void {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  if (tty && onStep) return onStep;
  return (text) => void process.stderr.write(`lab: ${text}\n`);
}

/** Runs one of the project's scripts, handing each stderr line to onLine; throws with its last lines when it fails. */
function runScript(script: string, args: string[], onLine: (line: string) => void): Promise<void> {
  const argv = [join(projectRoot(), 'scripts', script), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('bash', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), SETUP_TIMEOUT_MS);
    let partial = '';
    const take = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines.filter(Boolean)) {
        tail.push(l);
        if (tail.length > 10) tail.shift();
        onLine(l.replace(/^ensure-docker: /, ''));
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (e) => reject(new BackendError(`cannot run scripts/${script}: ${e.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = signal ? `killed after ${SETUP_TIMEOUT_MS / 60000} min (waiting for it to install and start the engine)` : `exit ${code}`;
      reject(new BackendError(`scripts/${script} ${args.join(' ')} failed (${why}):\n${tail.join('\n')}`));
    });
  });
}

/** Installs (when missing) and starts a Docker engine on this machine: scripts/ensure-docker.sh, as root. */
export async function setUpEngine(step: (text: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) throw new BackendError('no Docker engine answers and setting one up needs root (sudo ./lab ..., or bash scripts/ensure-docker.sh)');
  step('no Docker engine answers: setting one up (scripts/ensure-docker.sh: docker.io and mmdebstrap from apt when missing, dockerd started)');
  await runScript('ensure-docker.sh', [], step);
}

/** Makes sure mmdebstrap is installed (scripts/apt-install.sh, as root); false when it cannot be. */
export async function ensureMmdebstrap(step: (text: string) => void): Promise<boolean> {
  if (await haveProgram('mmdebstrap')) return true;
  if (process.getuid?.() !== 0) return false;
  step('installing mmdebstrap with apt-get (for the offline node image)');
  await runScript('apt-install.sh', ['mmdebstrap'], step);
  return haveProgram('mmdebstrap');
}
