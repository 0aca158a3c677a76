// The record of a running lab, kept on disk so any later command in another process finds it.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { ProcessRecord } from '../backends/backend.js';
import type { Topology } from '../topology/types.js';
import { LabError, UsageError } from './errors.js';
import { labDir, logDir, stateFile, stateRoot } from './paths.js';

export interface LabState {
  name: string;
  backend: 'netns' | 'docker';
  /** creating: `up` has not finished (or was killed); up: ready */
  phase: 'creating' | 'up';
  topologyFile: string;
  topology: Topology;
  /** indexes of servers the dispatch function currently treats as alive */
  alive: number[];
  processes: ProcessRecord[];
  createdAt: string;
  /** pid of the `lab up` that created it */
  ownerPid: number;
}

export const LAB_NAME = /^[a-z][a-z0-9]{0,9}$/;

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) throw new UsageError(`--name: "${name}" is not a lab name (a letter, then up to 9 letters or digits, lower case)`);
  return name;
}

/** Claims the lab's folder; fails when a lab of that name exists. */
export async function claimLab(name: string): Promise<void> {
  await mkdir(stateRoot(), { recursive: true });
  try {
    await mkdir(labDir(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LabError(`a lab named "${name}" exists already: \`./lab down --name ${name}\` first, or pick another --name`);
    }
    throw err;
  }
  await mkdir(logDir(name), { recursive: true });
}

export async function writeState(state: LabState): Promise<void> {
  const tmp = `${stateFile(state.name)}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, stateFile(state.name));
}

export async function readState(name: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(stateFile(name), 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LabError(`state of lab "${name}" is unreadable (${(err as Error).message}); \`./lab clean\` removes it`);
  }
}

/** Names of labs that have a state folder (running, or left by a crash). */
export async function listLabNames(): Promise<string[]> {
  try {
    const entries = await readdir(stateRoot(), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && LAB_NAME.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function removeLabDir(name: string): Promise<void> {
  await rm(labDir(name), { recursive: true, force: true });
}

/** The lab a command means: the named one, or the only one running. */
export async function findLab(name?: string): Promise<LabState> {
  if (name !== undefined) {
    const state = await readState(checkLabName(name));
    if (!state) throw new LabError(`no lab named "${name}" is running`);
    return state;
  }
  const names = await listLabNames();
  if (names.length === 0) throw new LabError('no lab is running: start one with `./lab up -t topologies/routing.yaml`');
  if (names.length > 1) throw new UsageError(`several labs are running (${names.join(', ')}): say which with --name`);
  return findLab(names[0]);
}
