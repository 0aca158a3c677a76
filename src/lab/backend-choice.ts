// Picks and constructs the backend a lab runs on.
import type { Backend } from '../backends/backend.js';
import { NetnsBackend } from '../backends/netns/netns-backend.js';
import type { BackendChoice } from '../topology/types.js';
import { UsageError } from './errors.js';

export interface ChosenBackend {
  kind: 'netns' | 'docker';
  reason: string;
}

export function chooseBackend(choice: BackendChoice): ChosenBackend {
  if (choice === 'docker') {
    throw new UsageError('backend "docker" is not available in this version of oneip-lab; use --backend netns (or auto)');
  }
  if (choice === 'netns') return { kind: 'netns', reason: 'asked for netns' };
  return { kind: 'netns', reason: 'auto: the docker backend is not part of this version, so netns' };
}

export function openBackend(kind: 'netns' | 'docker', lab: string): Backend {
  if (kind === 'docker') throw new UsageError('backend "docker" is not available in this version of oneip-lab');
  return new NetnsBackend(lab);
}
