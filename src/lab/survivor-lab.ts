// A RunningLab that leaves killed nodes alone: changes of the dispatch rules skip them, and `revive` later re-applies their whole plan with the rules current then.
import type { PlanStep } from '../plan/types.js';
import { RunningLab } from './running-lab.js';
import { readState, type LabState } from './state.js';
import { LabError } from './errors.js';

export function isKilled(state: LabState, node: string): boolean {
  return state.failures?.[node]?.kind === 'killed';
}

export class SurvivorLab extends RunningLab {
  override async applySteps(node: string, steps: PlanStep[]): Promise<void> {
    if (isKilled(this.state, node)) return;
    await super.applySteps(node, steps);
  }
}

/** Replaces the lab's in-memory state with what is on disk now (another process may have changed it). */
export async function refreshState(lab: RunningLab): Promise<LabState> {
  const fresh = await readState(lab.name);
  if (!fresh) throw new LabError(`lab "${lab.name}" is gone`);
  for (const key of Object.keys(lab.state) as (keyof LabState)[]) if (!(key in fresh)) delete lab.state[key];
  Object.assign(lab.state, fresh);
  return lab.state;
}
