// `lab up`: claim the name, build nodes and links, apply every node's plan and start each server once its plan is in, wait until they answer.
import { initialClusterState } from '../schemes/cluster-state.js';
import { planLab } from '../schemes/plan-lab.js';
import type { Topology } from '../topology/types.js';
import { chooseBackend, openBackend } from './backend-choice.js';
import { labSpec } from './lab-spec.js';
import { RunningLab } from './running-lab.js';
import { claimLab, removeLabDir, writeState, type LabState } from './state.js';
import { startServer, waitServersAnswer } from './servers.js';
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
    step(`applying node plans, starting HTTP servers on ${t.servers.length} servers`);
    // each server's HTTP server starts as soon as its own plan is in, while the other nodes' plans are still applied
    const servers = new Map(t.servers.map((s) => [s.name, s]));
    await Promise.all(
      plan.nodes.map(async (p) => {
        await lab.applySteps(p.node, p.steps);
        const server = servers.get(p.node);
        if (server) await startServer(lab, server);
      }),
    );
    await writeState(lab.state);
    await waitServersAnswer(lab, t.servers);
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
