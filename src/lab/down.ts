// `lab down` and `lab clean`: remove a lab (or every lab and leftover) completely; idempotent.
import { cleanDockerLabs, listDockerLabs } from '../backends/docker/clean.js';
import { dockerAvailable } from '../backends/docker/engine.js';
import { hostRuleLabs, removeHostRules } from '../backends/docker/host-rules.js';
import { cleanNetnsLabs, listNetnsLabs } from '../backends/netns/clean.js';
import { stopWatchd } from './watchd-process.js';
import { openBackend } from './backend-choice.js';
import { LabError } from '../util/errors.js';
import { checkLabName } from '../util/lab-name.js';
import { listLabNames, readState, removeLabDir } from './state.js';

/** Removes the named lab; returns false when there was nothing to remove. */
export async function downLab(name: string): Promise<boolean> {
  checkLabName(name);
  const state = await readState(name);
  const leftovers = (await listNetnsLabs()).includes(name);
  // a netns lab has nothing on the engine: its down never waits on one (a deadlocked engine would hold it up)
  const dockerLeftovers = state?.backend === 'netns' ? false : (await dockerLabs()).includes(name);
  // host rules commented with the lab go with it, whatever else is left (an engine that no longer answers has none)
  const hostRules = await removeHostRules(name);
  if (!state && !leftovers && !dockerLeftovers) {
    await removeLabDir(name);
    return hostRules > 0;
  }
  if (state) {
    // watchd first, so it does not react to servers going away
    await stopWatchd(state).catch(() => {});
    const backend = openBackend(state.backend, name);
    for (const p of state.processes) await backend.stop(p, 2000).catch(() => {});
    await backend.destroy();
  }
  if (leftovers) await cleanNetnsLabs([name]);
  if (dockerLeftovers) await cleanDockerLabs([name]);
  await removeLabDir(name);
  return true;
}

/** Removes every lab and every leftover of a crashed one, found by state folder, by name prefix and by host-rule comment. */
export async function cleanAll(): Promise<string[]> {
  const names = new Set([...(await listLabNames()), ...(await listNetnsLabs()), ...(await dockerLabs()), ...(await hostRuleLabs())]);
  // one lab that cannot be removed (say, a Docker network the engine will not let go) does not stop the others
  const failed: string[] = [];
  for (const name of names) await downLab(name).catch((err: Error) => failed.push(`${name}: ${err.message}`));
  // Docker objects of a name whose state said netns (down leaves the engine alone for a netns lab)
  const stillOnEngine = await dockerLabs().catch(() => []);
  if (stillOnEngine.length > 0) await cleanDockerLabs(stillOnEngine).catch((err: Error) => failed.push(err.message));
  if (failed.length > 0) throw new LabError(`could not remove every lab:\n${failed.join('\n')}`);
  return [...names].sort();
}

/** Labs with Docker objects (by label); none when no engine answers. */
async function dockerLabs(): Promise<string[]> {
  if (!(await dockerAvailable(1000)).ok) return [];
  return listDockerLabs();
}
