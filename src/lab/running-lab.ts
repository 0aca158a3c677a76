// A lab that exists: its state plus an open backend, with the operations commands share.
import { assertOk, type Backend, type ExecResult } from '../backends/backend.js';
import { debugPlan } from '../backends/common/debug.js';
import { renderSteps, type PlanStep, type ProcessStep } from '../plan/types.js';
import { builtScript } from '../util/paths.js';
import { openBackend } from './backend-choice.js';
import { LabError } from '../util/errors.js';
import { findLab, isKilled, readState, replaceContents, updateLab, type LabState } from './state.js';
import type { ProbeResult } from '../server/probe.js';

export class RunningLab {
  readonly backend: Backend;

  constructor(readonly state: LabState) {
    this.backend = openBackend(state.backend, state.name);
  }

  static async open(name?: string): Promise<RunningLab> {
    return new RunningLab(await findLab(name));
  }

  get name(): string {
    return this.state.name;
  }

  node(name: string): void {
    if (!this.state.topology.nodes.some((n) => n.name === name)) {
      const names = this.state.topology.nodes.map((n) => n.name).join(', ');
      throw new LabError(`lab "${this.name}" has no node "${name}" (nodes: ${names})`);
    }
  }

  /** updates of this object in flight (holding, or waiting for, the lab's lock) */
  private updating = 0;

  /** Lock, read afresh into this lab's state, change, write (see updateLab). */
  async update<T>(change: (state: LabState) => T | Promise<T>, timeoutMs?: number): Promise<T> {
    this.updating++;
    try {
      return await updateLab(this.name, change, { into: this.state, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    } finally {
      this.updating--;
    }
  }

  /**
   * Replaces the in-memory state with what is on disk now (another process may have changed it). While an update
   * of this object is in flight the state is left as it is: the update holds the freshest state and its own edits,
   * which a read from disk in the middle would throw away (watchd's look at a transition beside its own change).
   */
  async refresh(): Promise<LabState> {
    if (this.updating > 0) return this.state;
    const fresh = await readState(this.name);
    if (!fresh) throw new LabError(`lab "${this.name}" is gone`);
    return replaceContents(this.state, fresh);
  }

  /** Whether a node was killed (`lab kill`): plan changes leave it alone; `revive` applies its whole plan. */
  isKilled(node: string): boolean {
    return isKilled(this.state, node);
  }

  exec(node: string, argv: string[], input?: string): Promise<ExecResult> {
    this.node(node);
    return this.backend.exec(node, argv, input === undefined ? {} : { input });
  }

  /**
   * Runs plan steps in a node: each run of shell steps as one `sh -e` script (throws with the node's stderr on
   * failure); each process step writes its files and (re)starts its program (the caller writes the state).
   */
  async applySteps(node: string, steps: PlanStep[]): Promise<void> {
    for (const group of shellAndProcessGroups(steps)) {
      if (!Array.isArray(group)) {
        await (await import('./plan-processes.js')).startPlanProcess(this, node, group);
        continue;
      }
      const t0 = performance.now();
      const result = await this.backend.exec(node, ['sh', '-e'], { input: renderSteps(group) });
      debugPlan(node, group, result.exitCode, performance.now() - t0);
      assertOk(node, 'applying its plan', result);
    }
  }

  /** GETs URLs from inside a node with the project's probe; one result per (url, source address). */
  async probe(node: string, urls: string[], from: string[] = [], timeoutMs = 2000): Promise<ProbeResult[]> {
    const argv = [process.execPath, builtScript('server/probe'), '--timeout', String(timeoutMs)];
    if (from.length > 0) argv.push('--from', from.join(','));
    const result = assertOk(node, 'probe', await this.backend.exec(node, [...argv, ...urls]));
    return result.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as ProbeResult);
  }
}

/** Consecutive shell steps together, each process step on its own, in plan order. */
function shellAndProcessGroups(steps: PlanStep[]): (PlanStep[] | ProcessStep)[] {
  const groups: (PlanStep[] | ProcessStep)[] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    if (step.kind === 'process') groups.push(step);
    else if (Array.isArray(last)) last.push(step);
    else groups.push([step]);
  }
  return groups;
}
