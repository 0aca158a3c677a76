// Changes the alive set of a running lab: re-plans the dispatch rules and applies them atomically on each node.
import type { DispatchState } from '../dispatch/types.js';
import { dispatchSteps } from '../schemes/dispatch-rules.js';
import { UsageError } from './errors.js';
import type { RunningLab } from './running-lab.js';
import { writeState } from './state.js';

export function dispatchState(lab: RunningLab): DispatchState {
  const t = lab.state.topology;
  return { servers: t.servers.length, alive: [...lab.state.alive], weights: t.servers.map((s) => s.weight) };
}

function serverIndex(lab: RunningLab, name: string): number {
  const s = lab.state.topology.servers.find((x) => x.name === name);
  if (!s) throw new UsageError(`"${name}" is not a server of lab "${lab.name}" (servers: ${lab.state.topology.servers.map((x) => x.name).join(', ')})`);
  return s.index;
}

/** Marks servers down or up and applies the new function to every node that holds dispatch rules. */
export async function changeAlive(lab: RunningLab, down: string[], up: string[]): Promise<DispatchState> {
  const alive = new Set(lab.state.alive);
  for (const name of down) alive.delete(serverIndex(lab, name));
  for (const name of up) alive.add(serverIndex(lab, name));
  if (alive.size === 0) throw new UsageError('at least one server must stay alive');
  const state = { ...dispatchState(lab), alive: [...alive].sort((a, b) => a - b) };
  const steps = dispatchSteps(lab.state.topology, state);
  await Promise.all(steps.map(({ node, step }) => lab.applySteps(node, [step])));
  lab.state.alive = state.alive;
  await writeState(lab.state);
  return state;
}
