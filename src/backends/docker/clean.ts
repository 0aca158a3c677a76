// Finds and removes Docker labs by label: containers killed and released, then removed, then networks, then host rules; fine when nothing is left.
import type Docker from 'dockerode';
import { BackendError } from '../backend.js';
import { dockerClient, engineIsLocal, engineMessage, statusOf } from './client.js';
import { isDeadlineError } from './deadline.js';
import { exitGate } from './exit-gate.js';
import { removeHostRules } from './host-rules.js';
import { killAndRelease, removeStopped } from './removal.js';
import { checkLabName } from '../common/names.js';
import { LABEL_LAB, labFilter } from './names.js';

export interface DockerTeardownOptions {
  docker?: Docker;
  /**
   * After the lab looks empty, look again this much later: a creator killed mid-request leaves the engine
   * finishing that request (a container or network may appear a moment after the creator died). Default 250 ms.
   */
  settleMs?: number;
}

export interface DockerTeardownResult {
  containers: string[];
  networks: string[];
  /** host rules removed (host-rules.ts: NOTRACK and FORWARD accepts) */
  hostRules: number;
}

export interface LabObjects {
  containers: { id: string; name: string }[];
  networks: { id: string; name: string }[];
}

/** Containers (running or not) and networks that carry the lab's label (every lab's when omitted). */
export async function labObjects(lab?: string, docker: Docker = dockerClient()): Promise<LabObjects> {
  const filters = labFilter(lab);
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return {
    containers: containers.map((c) => ({ id: c.Id, name: (c.Names[0] ?? c.Id).replace(/^\//, '') })),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
  };
}

/** How many of the lab's containers run, of how many (status asks the engine, so a stuck one shows at once). */
export async function runningContainers(lab: string, docker: Docker = dockerClient()): Promise<{ running: number; total: number }> {
  const all = await docker.listContainers({ all: true, filters: labFilter(lab) });
  return { running: all.filter((c) => c.State === 'running').length, total: all.length };
}

/** Lab names that own at least one container or network. */
export async function listDockerLabs(docker: Docker = dockerClient()): Promise<string[]> {
  const filters = labFilter();
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  const labs = new Set<string>();
  for (const o of [...containers, ...networks]) {
    const lab = o.Labels?.[LABEL_LAB];
    if (lab) labs.add(lab);
  }
  return [...labs].sort();
}

/** Removes the given labs (every labelled lab when omitted); returns those that had something to remove. */
export async function cleanDockerLabs(labs?: string[], options: DockerTeardownOptions = {}): Promise<string[]> {
  const docker = options.docker ?? dockerClient();
  const targets = labs ?? (await listDockerLabs(docker));
  const removed: string[] = [];
  for (const lab of targets) {
    const r = await destroyDockerLab(lab, { ...options, docker });
    if (r.containers.length + r.networks.length + r.hostRules > 0) removed.push(lab);
  }
  // host rules of labs whose Docker objects are gone already
  if (labs === undefined && engineIsLocal()) await removeHostRules();
  return removed;
}

/** Everything labelled oneip-lab.name=<lab>: containers with their processes, then networks, then its host rules. */
export async function destroyDockerLab(lab: string, options: DockerTeardownOptions = {}): Promise<DockerTeardownResult> {
  checkLabName(lab);
  const docker = options.docker ?? dockerClient();
  const settleMs = options.settleMs ?? 250;
  const containers = new Set<string>();
  const networks = new Set<string>();
  let lastError = '';
  let settled = false;
  for (let round = 0; round < 20; round++) {
    const found = await labObjects(lab, docker);
    if (found.containers.length === 0 && found.networks.length === 0) {
      if (settled) break;
      // nothing (left): look once more after the settle time, in case a dead creator's request completes
      await sleep(settleMs);
      settled = true;
      continue;
    }
    settled = false;
    found.containers.forEach((c) => containers.add(c.name));
    found.networks.forEach((n) => networks.add(n.name));
    // every container stopped (and seen exited, its endpoints released) before any is removed: no container
    // exit overlaps the deletion of an endpoint, the race that deadlocks Docker 20.10 (removal.ts, exit-gate.ts)
    const note = (err: unknown): void => {
      if (isDeadlineError(err)) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    };
    await killAndRelease(docker, found.containers).catch(note);
    await removeStopped(docker, found.containers).catch(note);
    await Promise.all(
      found.networks.map((n) =>
        exitGate
          .run('delete', () => docker.getNetwork(n.id).remove())
          .catch((err: unknown) => {
            if (isDeadlineError(err)) throw err;
            // 403/409 "has active endpoints": a container is still going; the next round retries
            if (statusOf(err) !== 404) lastError = `network ${n.name}: ${engineMessage(err)}`;
          }),
      ),
    ).catch(note);
    if (found.networks.length > 0 && found.containers.length === 0 && lastError) await sleep(100);
  }
  const left = await labObjects(lab, docker);
  if (left.containers.length + left.networks.length > 0) {
    const names = [...left.containers, ...left.networks].map((o) => o.name).join(', ');
    const stale =
      left.containers.length === 0 && /active endpoints/.test(lastError)
        ? '; no container is attached any more: the engine lost count of the endpoints (a Docker 20.10 bug), restarting dockerd clears it'
        : '';
    throw new BackendError(`lab ${lab}: could not remove ${names}${lastError ? ` (${lastError})` : ''}${stale}`);
  }
  const hostRules = engineIsLocal() ? await removeHostRules(lab) : 0;
  return { containers: [...containers].sort(), networks: [...networks].sort(), hostRules };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
