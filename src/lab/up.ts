// `lab up`: claim the name, build nodes and links, apply every node's plan, start the servers, wait until they answer.
import { initialClusterState } from '../schemes/cluster-state.js';
import { planLab } from '../schemes/plan-lab.js';
import type { Topology } from '../topology/types.js';
import { chooseBackend, openBackend } from './backend-choice.js';
import { labSpec } from './lab-spec.js';
import { RunningLab } from './running-lab.js';
import { claimLab, removeLabDir, writeState, type LabState } from './state.js';
import { startServers } from './servers.js';
import { startWatchd, stopWatchd } from './watchd-process.js';

export interface UpOptions {
  name?: string;
  backend?: Topology['backend'];
  /** progress messages (a spinner's text) */
  onStep?: (text: string) => void;
}

export { SERVER_PORT } from './servers.js';

export async function upLab(t: Topology, topologyFile: string, options: UpOptions = {}): Promise<RunningLab> {
  const name = options.name ?? t.name;
  const step = options.onStep ?? (() => {});
  const chosen = await chooseBackend(options.backend ?? t.backend, { onStep: step });
  const cluster = initialClusterState(t);
  const plan = planLab(t, cluster);
  await claimLab(name);
  const state: LabState = {
    name,
    backend: chosen.kind,
    phase: 'creating',
    topologyFile,
    topology: t,
    alive: cluster.alive,
    activeDispatcher: cluster.activeDispatcher,
    probes: cluster.probes,
    processes: [],
    createdAt: new Date().toISOString(),
    ownerPid: process.pid,
  };
  await writeState(state);
  const backend = openBackend(chosen.kind, name, step);
  try {
    step(`creating ${t.nodes.length} nodes on ${chosen.kind} (${chosen.reason})`);
    await backend.create(labSpec(name, t, plan));
    const lab = new RunningLab(state);
    step('applying node plans');
    await Promise.all(plan.nodes.map((p) => lab.applySteps(p.node, p.steps)));
    step(`starting HTTP servers on ${t.servers.length} servers`);
    await startServers(lab);
    if (t.watchd.enabled) {
      step(`starting watchd (a probe round every ${t.watchd.intervalMs} ms, ${t.watchd.misses} misses to fail)`);
      await startWatchd(lab);
    }
    await lab.update((s) => void (s.phase = 'up'));
    return lab;
  } catch (err) {
    await stopWatchd(state).catch(() => {});
    await backend.destroy().catch(() => {});
    await removeLabDir(name);
    throw err;
  }
}
