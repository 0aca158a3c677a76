// Where labs keep their state and logs: one folder per lab under /run/oneip-lab (or $OLAB_STATE_DIR).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function stateRoot(): string {
  return process.env.OLAB_STATE_DIR ?? '/run/oneip-lab';
}

export function labDir(name: string): string {
  return join(stateRoot(), name);
}

export function stateFile(name: string): string {
  return join(labDir(name), 'state.json');
}

export function logDir(name: string): string {
  return join(labDir(name), 'logs');
}

/** The project's root folder (where `lab`, `dist/` and `topologies/` are). */
export function projectRoot(): string {
  // this file is dist/src/lab/paths.js once built, src/lab/paths.ts under the test loader
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
}

/** A built script of the project, e.g. builtScript('server/responder') -> dist/src/server/responder.js. */
export function builtScript(module: string): string {
  return join(projectRoot(), 'dist', 'src', `${module}.js`);
}
