// Applies a plan's process steps: writes the program's files in its node, ends the previous process of that name, starts it, waits until it is ready.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertOk, type ProcessRecord } from '../backends/backend.js';
import { NODE_DIR, renderProcessStep, type ProcessStep } from '../plan/types.js';
import { waitFor } from '../util/poll.js';
import { LabError } from '../util/errors.js';
import { labDir, logDir } from './paths.js';
import type { RunningLab } from './running-lab.js';

/** The folder of a node's plan processes (their configs): NODE_DIR in a process step. */
export function nodeDir(lab: string, node: string): string {
  return join(labDir(lab), 'run', node);
}

/** Writes the step's files, replaces the recorded process of that name in the node, and waits for `ready` (the caller writes the state). */
export async function startPlanProcess(lab: RunningLab, node: string, step: ProcessStep): Promise<ProcessRecord> {
  const dir = nodeDir(lab.name, node);
  const expand = (word: string) => word.split(NODE_DIR).join(dir);
  const files = renderProcessStep({ ...step, argv: [] }, dir).split('\n').slice(0, -1).join('\n');
  assertOk(node, `writing the files of ${step.name}`, await lab.backend.exec(node, ['sh', '-e'], { input: files + '\n', timeoutMs: 10000 }));
  const old = lab.state.processes.filter((p) => p.node === node && p.name === step.name);
  await Promise.all(old.map((p) => lab.backend.stop(p, 5000)));
  const record = await lab.backend.spawn(node, step.name, step.argv.map(expand), { logDir: logDir(lab.name) });
  lab.state.processes = [...lab.state.processes.filter((p) => !old.includes(p)), record];
  if (step.ready) await waitReady(lab, node, step, step.ready.argv.map(expand));
  return record;
}

/** Runs the ready command in the node until it exits 0; the timeout's message carries its last answer, or that the program exited. */
async function waitReady(lab: RunningLab, node: string, step: ProcessStep, argv: string[]): Promise<void> {
  const record = lab.state.processes.find((p) => p.node === node && p.name === step.name)!;
  const check = async (): Promise<'ready' | 'exited' | undefined> => {
    const r = await lab.backend.exec(node, argv, { timeoutMs: 3000 });
    if (r.exitCode === 0) return 'ready';
    // a program that exited never gets ready: say so at once, with its last words
    if (!(await lab.backend.isRunning(record))) return 'exited';
    throw new Error(`exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  };
  const outcome = await waitFor(`${step.name} in ${node} to be ready (${argv.join(' ')})`, check, step.ready?.timeoutMs ?? 10000, 100);
  if (outcome === 'exited') throw new LabError(`${step.name} in ${node} exited before it was ready; the end of its log ${record.logFile}: ${await logTail(record.logFile)}`);
}

/** The last lines of a process's log, in one line (a failed `up` removes the lab's folder, the log with it). */
async function logTail(file: string | undefined): Promise<string> {
  if (!file) return '(no log)';
  const text = await readFile(file, 'utf8').catch(() => '');
  const tail = text.trim().split('\n').slice(-3).join(' | ');
  return tail === '' ? '(empty)' : tail.slice(-400);
}
