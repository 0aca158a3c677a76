// Where labs keep their state and logs: one folder per lab under /run/oneip-lab (or $OLAB_STATE_DIR).
import { join } from 'node:path';

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
