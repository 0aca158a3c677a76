// Picks and constructs the backend a lab runs on: netns, or Docker when asked for (or, with auto, when an engine and the image can be had).
import type { Backend } from '../backends/backend.js';
import { DockerBackend } from '../backends/docker/docker-backend.js';
import { dockerClient } from '../backends/docker/client.js';
import { dockerAvailable } from '../backends/docker/engine.js';
import { NetnsBackend } from '../backends/netns/netns-backend.js';
import { imageExists } from '../backends/docker/image/build.js';
import { haveProgram } from '../backends/docker/image/mmdebstrap.js';
import { loadRecipe } from '../backends/docker/image/recipe.js';
import type { BackendChoice } from '../topology/types.js';
import { LabError } from '../util/errors.js';
import { labDir } from './paths.js';

export interface ChosenBackend {
  kind: 'netns' | 'docker';
  reason: string;
}

/** Whether the node image exists, or can be built offline here. */
async function imageCanBeHad(): Promise<{ ok: boolean; reason: string }> {
  const tag = loadRecipe().tag;
  if (await imageExists(dockerClient(), tag)) return { ok: true, reason: `image ${tag} is built` };
  if (await haveProgram('mmdebstrap')) return { ok: true, reason: `image ${tag} will be built offline with mmdebstrap (about a minute, once)` };
  return { ok: false, reason: `image ${tag} is not built and mmdebstrap is missing (./lab images build)` };
}

export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'netns') return { kind: 'netns', reason: 'netns as asked' };
  const engine = await dockerAvailable(choice === 'docker' ? 5000 : 1500);
  if (choice === 'docker') {
    if (!engine.ok) throw new LabError(`backend docker: no Docker engine answers: ${engine.reason} (scripts/ensure-docker.sh installs and starts one)`);
    return { kind: 'docker', reason: `docker as asked: ${engine.reason}` };
  }
  if (!engine.ok) return { kind: 'netns', reason: `auto: no Docker engine (${engine.reason}), so netns` };
  const image = await imageCanBeHad();
  if (!image.ok) return { kind: 'netns', reason: `auto: ${image.reason}, so netns` };
  return { kind: 'docker', reason: `auto: ${engine.reason}; ${image.reason}` };
}

export function openBackend(kind: 'netns' | 'docker', lab: string, onStep?: (text: string) => void): Backend {
  if (kind === 'docker') return new DockerBackend(lab, { shareDir: labDir(lab), ...(onStep ? { onStep } : {}) });
  return new NetnsBackend(lab);
}
