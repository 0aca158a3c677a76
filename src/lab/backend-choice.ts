// Picks and constructs the backend a lab runs on: netns, or Docker when asked for (setting an engine up when none runs) or, with auto, when an engine and the image can be had.
import type { Backend } from '../backends/backend.js';
import { DockerBackend } from '../backends/docker/docker-backend.js';
import { dockerClient, engineAddress, engineIsLocal } from '../backends/docker/client.js';
import { DockerDeadlineError } from '../backends/docker/deadline.js';
import { dockerAvailable, networksAnswer, type EngineStatus } from '../backends/docker/engine.js';
import { setUpEngine, setupReporter } from '../backends/docker/setup.js';
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

export interface ChooseOptions {
  /** progress (a spinner's text) */
  onStep?: (text: string) => void;
  /** where `auto` says what it took and why (default: a line on stderr) */
  say?: (line: string) => void;
}

const PING_MS = 5000;
/** A network listing must answer this fast before a lab is built on the engine (a deadlocked one never does). */
const NETWORKS_MS = 10_000;
/** `auto` looks only this long before taking netns. */
const AUTO_NETWORKS_MS = 5000;

/** Whether the node image exists, or can be built offline here. */
async function imageCanBeHad(): Promise<{ ok: boolean; reason: string }> {
  const tag = loadRecipe().tag;
  if (await imageExists(dockerClient(), tag)) return { ok: true, reason: `image ${tag} is built` };
  if (await haveProgram('mmdebstrap')) return { ok: true, reason: `image ${tag} will be built offline with mmdebstrap (one to two minutes, once)` };
  return { ok: false, reason: `image ${tag} is not built and mmdebstrap is missing; --backend docker builds it` };
}

/** An engine that listens but does not answer: fail at once with the call, the cause and the fix. */
function failIfStuck(engine: EngineStatus, ms: number): void {
  if (engine.state === 'stuck') throw new DockerDeadlineError('GET /_ping', ms, engineAddress());
}

/** `--backend docker`: an engine that answers (set up here when none runs on this machine), or a clear failure. */
async function dockerAsAsked(step: (t: string) => void): Promise<ChosenBackend> {
  let engine = await dockerAvailable(PING_MS);
  failIfStuck(engine, PING_MS);
  if (!engine.ok && engine.state === 'absent' && engineIsLocal()) {
    await setUpEngine(step);
    engine = await dockerAvailable(PING_MS);
    failIfStuck(engine, PING_MS);
  }
  if (!engine.ok) throw new LabError(`backend docker: ${engine.reason} (bash scripts/ensure-docker.sh installs and starts one)`);
  await networksAnswer(NETWORKS_MS);
  return { kind: 'docker', reason: `docker as asked: ${engine.reason}` };
}

async function auto(): Promise<ChosenBackend> {
  const engine = await dockerAvailable(1500);
  if (!engine.ok) {
    const why = engine.state === 'stuck' ? 'the Docker engine does not answer' : 'no Docker engine answers';
    return { kind: 'netns', reason: `${why}; --backend docker sets one up` };
  }
  // a deadlocked engine (moby/moby#46661) still answers pings: a lab on it would fail at its first network call
  try {
    await networksAnswer(AUTO_NETWORKS_MS);
  } catch (err) {
    if (!(err instanceof DockerDeadlineError)) throw err;
    return { kind: 'netns', reason: `the Docker engine answers pings but no network listing within ${AUTO_NETWORKS_MS} ms; bash scripts/ensure-docker.sh --restart restarts a dockerd the lab started` };
  }
  const image = await imageCanBeHad();
  if (!image.ok) return { kind: 'netns', reason: image.reason };
  return { kind: 'docker', reason: `${engine.reason}; ${image.reason}` };
}

export async function chooseBackend(choice: BackendChoice, options: ChooseOptions = {}): Promise<ChosenBackend> {
  if (choice === 'netns') return { kind: 'netns', reason: 'netns as asked' };
  if (choice === 'docker') return dockerAsAsked(setupReporter(options.onStep));
  const chosen = await auto();
  (options.say ?? ((l: string) => void process.stderr.write(`${l}\n`)))(`backend: ${chosen.kind} (${chosen.reason})`);
  return { kind: chosen.kind, reason: `auto: ${chosen.reason}` };
}

export function openBackend(kind: 'netns' | 'docker', lab: string, onStep?: (text: string) => void): Backend {
  if (kind === 'docker') {
    return new DockerBackend(lab, { shareDir: labDir(lab), ...(onStep ? { onStep } : {}), onSetupStep: setupReporter(onStep) });
  }
  return new NetnsBackend(lab);
}
