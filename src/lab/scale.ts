// `lab scale`: grows a running lab by new servers (nodes, plans, HTTP, then the function) or shrinks it (drain, function, removal).
import { planLab } from '../schemes/plan-lab.js';
import type { ClusterState } from '../schemes/cluster-state.js';
import { resizeTopology } from '../topology-file/resize.js';
import type { ServerNode, Topology } from '../topology/types.js';
import { LabError, UsageError } from '../util/errors.js';
import { changeCluster } from './cluster-change.js';
import { aliveChange } from './dispatch-control.js';
import { labSpec } from './lab-spec.js';
import type { RunningLab } from './running-lab.js';
import { startServer, waitServersAnswer } from './servers.js';
import { settleTransition } from './transition-end.js';
import { startWatchd, stopWatchd } from './watchd-process.js';
import { clusterState } from './state.js';

export interface ScaleResult {
  from: number;
  to: number;
  /** servers created or removed */
  added: string[];
  removed: string[];
}

export interface ScaleOptions {
  /** progress lines */
  onStep?: (text: string) => void;
  /** how often a shrink looks at the drain it waits for */
  pollMs?: number;
}

/** Changes the number of servers to n; bad values are refused (exit 2) before anything changes. */
export async function scaleLab(lab: RunningLab, n: number, options: ScaleOptions = {}): Promise<ScaleResult> {
  const step = options.onStep ?? (() => {});
  await lab.refresh();
  const t = lab.state.topology;
  const target = resizeTopology(t, n);
  const from = t.servers.length;
  if (n === from) return { from, to: n, added: [], removed: [] };
  if (n < from && !lab.state.alive.some((k) => k < n)) {
    throw new UsageError(`--servers ${n}: every server alive now (${lab.state.alive.map((k) => t.servers[k]!.name).join(', ')}) would be removed; at least one must stay`);
  }
  const watchd = t.watchd.enabled && lab.state.watchd !== undefined;
  if (watchd) {
    step('stopping watchd (it starts again with the new servers)');
    await stopWatchd(lab.state);
  }
  try {
    return n > from ? await grow(lab, target, step) : await shrink(lab, target, step, options.pollMs ?? 250);
  } finally {
    if (watchd) {
      step('starting watchd');
      await startWatchd(lab);
    }
  }
}

/** New nodes, their HTTP servers answering, then the function with them (a transition in graceful mode). */
async function grow(lab: RunningLab, target: Topology, step: (s: string) => void): Promise<ScaleResult> {
  const from = lab.state.topology.servers.length;
  const added = target.servers.slice(from);
  const names = added.map((s) => s.name);
  const next = (now: ClusterState): ClusterState => ({ ...now, alive: [...now.alive, ...added.map((s) => s.index)] });
  const spec = labSpec(lab.name, target, planLab(target, next(clusterState(lab.state))));
  step(`creating ${names.join(', ')} on ${lab.backend.kind}`);
  await lab.backend.addNodes(spec.nodes.filter((node) => names.includes(node.name)));
  try {
    await startHttp(lab, added);
    step(`changing the function: n ${from} -> ${target.servers.length} (${target.transition})`);
    await changeCluster(lab, (_state, now) => ({ next: next(now), result: true, topology: target }));
  } catch (err) {
    await lab.backend.removeNodes(names).catch(() => {});
    await lab.update((s) => void (s.processes = s.processes.filter((p) => !names.includes(p.node))));
    throw err;
  }
  return { from, to: target.servers.length, added: names, removed: [] };
}

/** Starts the HTTP servers of new nodes, records them, waits until each answers. */
async function startHttp(lab: RunningLab, servers: ServerNode[]): Promise<void> {
  const records = await Promise.all(servers.map((s) => startServer(lab, s)));
  await lab.update((s) => void (s.processes = [...s.processes.filter((p) => !records.some((r) => r.node === p.node && r.name === p.name)), ...records]));
  await waitServersAnswer(lab, servers);
}

/** Drains the servers that go, waits for their connections to finish, changes the function to the smaller n, removes them. */
async function shrink(lab: RunningLab, target: Topology, step: (s: string) => void, pollMs: number): Promise<ScaleResult> {
  const t = lab.state.topology;
  const leaving = t.servers.slice(target.servers.length).map((s) => s.name);
  step(`draining ${leaving.join(', ')}`);
  await changeCluster(lab, (state, now) => ({ next: aliveChange(state, now, leaving.filter((name) => now.alive.includes(serverIndex(t, name))), []), result: true }));
  await waitTransitionEnd(lab, pollMs);
  step(`changing the function: n ${t.servers.length} -> ${target.servers.length} (${target.transition})`);
  const keep = (ks: number[] | undefined) => (ks ?? []).filter((k) => k < target.servers.length);
  await changeCluster(lab, (_state, now) => ({ next: { ...now, alive: keep(now.alive), drained: keep(now.drained) }, result: true, topology: target }));
  step(`removing ${leaving.join(', ')}`);
  const records = lab.state.processes.filter((p) => leaving.includes(p.node));
  await Promise.all(records.map((r) => lab.backend.stop(r, 1000).catch(() => {})));
  await lab.backend.removeNodes(leaving);
  await lab.update((s) => {
    s.processes = s.processes.filter((p) => !leaving.includes(p.node));
    for (const name of leaving) {
      delete s.failures?.[name];
      delete s.loss?.[name];
    }
  });
  return { from: t.servers.length, to: target.servers.length, added: [], removed: leaving };
}

function serverIndex(t: Topology, name: string): number {
  return t.servers.find((s) => s.name === name)!.index;
}

/** Waits until the transition in force has ended (its connections finished, or transition-timeout passed). */
async function waitTransitionEnd(lab: RunningLab, pollMs: number): Promise<void> {
  const deadline = Date.now() + lab.state.topology.transitionTimeoutMs + 30_000;
  for (;;) {
    const outcome = await settleTransition(lab);
    if (outcome.status !== 'in-force') return;
    if (Date.now() > deadline) throw new LabError(`the drain did not end within transition-timeout (${lab.state.topology.transitionTimeoutMs} ms) and 30 s more: ${outcome.connectionsLeft} connections left`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
