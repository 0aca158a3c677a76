// Race-free end of containers: kill all and wait until the engine reports each exited with its endpoints released, then remove (exit-gate.ts keeps the two apart).
import type Docker from 'dockerode';
import { BackendError } from '../backend.js';
import { engineMessage, hasStatus } from './client.js';
import { dockerTimeoutMs, isDeadlineError } from './deadline.js';
import { exitGate } from './exit-gate.js';

export interface ContainerRef {
  id: string;
  name: string;
}

/** How often to look whether a killed container's endpoints are released. */
const RELEASE_POLL_MS = 50;

/** Whether an inspected container has exited and holds no network endpoint any more. */
export function exitedAndReleased(info: Docker.ContainerInspectInfo): boolean {
  if (info.State.Running || info.State.Restarting) return false;
  return Object.values(info.NetworkSettings?.Networks ?? {}).every((n) => !n?.EndpointID);
}

/**
 * SIGKILLs every container at once (in the exit phase), then waits until the engine has seen each stop and has
 * released its network endpoints. Missing or already stopped containers are fine. Errors other than a deadline
 * are collected and thrown together after every container had its turn.
 */
export async function killAndRelease(docker: Docker, containers: ContainerRef[]): Promise<void> {
  if (containers.length === 0) return;
  const errors: string[] = [];
  await Promise.all(
    containers.map((c) =>
      exitGate
        .run('exit', () => killOne(docker, c))
        .catch((err: unknown) => {
          if (isDeadlineError(err)) throw err;
          errors.push(`container ${c.name}: ${engineMessage(err)}`);
        }),
    ),
  );
  if (errors.length > 0) throw new BackendError(`could not stop ${errors.join('; ')}`);
}

async function killOne(docker: Docker, c: ContainerRef): Promise<void> {
  const container = docker.getContainer(c.id);
  try {
    await container.kill();
  } catch (err) {
    // 404: gone; 409: not running (or being removed)
    if (hasStatus(err, 404)) return;
    if (!hasStatus(err, 409)) throw err;
  }
  try {
    await container.wait({ condition: 'not-running' });
  } catch (err) {
    if (hasStatus(err, 404)) return;
    throw err;
  }
  await waitReleased(container, c.name);
}

/** Polls inspect until the container holds no endpoint (Docker releases them after it saw the exit). */
async function waitReleased(container: Docker.Container, name: string): Promise<void> {
  const deadline = Date.now() + dockerTimeoutMs();
  for (;;) {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (err) {
      if (hasStatus(err, 404)) return;
      throw err;
    }
    if (exitedAndReleased(info)) return;
    if (Date.now() > deadline) {
      throw new BackendError(`container ${name} was killed but the engine did not release its network endpoints within ${dockerTimeoutMs()} ms`);
    }
    await sleep(RELEASE_POLL_MS);
  }
}

/**
 * Removes stopped containers (in the delete phase); missing ones and removals already in progress are fine. Never
 * forced: a forced removal of a container that runs again (an interrupted `up` starting it after the kill) would
 * be an exit inside the delete phase; unforced, the engine refuses it (409) and the caller's next round kills it first.
 */
export async function removeStopped(docker: Docker, containers: ContainerRef[]): Promise<void> {
  if (containers.length === 0) return;
  const errors: string[] = [];
  await Promise.all(
    containers.map((c) =>
      exitGate
        .run('delete', () => docker.getContainer(c.id).remove({ v: true }))
        .catch((err: unknown) => {
          if (isDeadlineError(err)) throw err;
          if (!hasStatus(err, 404, 409)) errors.push(`container ${c.name}: ${engineMessage(err)}`);
        }),
    ),
  );
  if (errors.length > 0) throw new BackendError(`could not remove ${errors.join('; ')}`);
}

/** Kills, waits for release, then removes: never an exit overlapping a removal. */
export async function endContainers(docker: Docker, containers: ContainerRef[]): Promise<void> {
  await killAndRelease(docker, containers);
  await removeStopped(docker, containers);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
