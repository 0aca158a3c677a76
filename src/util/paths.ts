// Where the project itself is: its root folder and its built scripts (run inside nodes and as daemons).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder (where `lab`, `dist/` and `topologies/` are). */
export function projectRoot(): string {
  // this file is dist/src/util/paths.js once built, src/util/paths.ts under the test loader
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
}

/** A built script of the project, e.g. builtScript('server/responder') -> dist/src/server/responder.js. */
export function builtScript(module: string): string {
  return join(projectRoot(), 'dist', 'src', `${module}.js`);
}
