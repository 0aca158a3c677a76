// The host's tcpdump, which `lab capture` runs inside a node's network namespace: found on PATH, or installed with apt as root.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabError } from '../util/errors.js';
import { projectRoot } from '../util/paths.js';

const run = promisify(execFile);
const DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];
const INSTALL_TIMEOUT_MS = 300_000;

function findTcpdump(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...DIRS];
  for (const d of dirs) {
    try {
      accessSync(join(d, 'tcpdump'), constants.X_OK);
      return join(d, 'tcpdump');
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The path of the host's tcpdump; installs the Debian package first when it is missing (root only, says so through `say`). */
export async function hostTcpdump(say: (text: string) => void): Promise<string> {
  const found = findTcpdump();
  if (found) return found;
  if (process.getuid?.() !== 0) throw new LabError('tcpdump is not installed on this host: apt-get install tcpdump (as root), then capture again');
  say('tcpdump is not installed on this host: installing the Debian package tcpdump with apt (once)');
  try {
    await run('bash', [join(projectRoot(), 'scripts', 'apt-install.sh'), 'tcpdump'], { timeout: INSTALL_TIMEOUT_MS });
  } catch (err) {
    throw new LabError(`installing tcpdump with apt failed or took over ${INSTALL_TIMEOUT_MS / 1000} s (${(err as Error).message.split('\n')[0]}; log in /tmp/oneip-lab-apt.log)`);
  }
  const installed = findTcpdump();
  if (!installed) throw new LabError('apt installed tcpdump, but no tcpdump is on PATH');
  return installed;
}
