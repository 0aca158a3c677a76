// Failure injection on a running lab, each taking effect at once: kill, stop, revive, link down|up, packet loss.
import { dirname } from 'node:path';
import type { ProcessRecord } from '../backends/backend.js';
import type { PlanStep } from '../plan/types.js';
import { atomicTable } from '../plan/nft.js';
import { planNode } from '../schemes/plan-lab.js';
import type { LabNode } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import { SERVICES } from './process-names.js';
import type { RunningLab } from './running-lab.js';
import { waitServersAnswer } from './servers.js';
import { clusterState, type LabState, type NodeFailure } from './state.js';
import { shapeOverrideSteps } from './shape.js';

/** The nftables table of `lab loss` in a node. */
export const LOSS_TABLE = 'oneip_loss';

export function findNode(lab: RunningLab, node: string): LabNode {
  const found = lab.state.topology.nodes.find((n) => n.name === node);
  if (!found) throw new UsageError(`lab "${lab.name}" has no node "${node}" (nodes: ${lab.state.topology.nodes.map((n) => n.name).join(', ')})`);
  return found;
}

/** The node's LAN interface (the client, on no LAN, has only its client link). */
export function lanInterface(lab: RunningLab, node: string): string {
  const n = findNode(lab, node);
  return (n.interfaces.find((i) => i.network === 'lan') ?? n.interfaces[0]!).name;
}

function setFailure(state: LabState, node: string, kind: NodeFailure['kind']): void {
  state.failures = { ...state.failures, [node]: { kind, since: new Date().toISOString() } };
}

function clearFailure(state: LabState, node: string): void {
  if (!state.failures) return;
  const { [node]: _gone, ...rest } = state.failures;
  state.failures = rest;
}

/** A node's whole plan for the lab as it is now (planLab of the current cluster state): what revive and link up apply. */
export function nodeSteps(lab: RunningLab, node: string): PlanStep[] {
  const plan = planNode(lab.state.topology, clusterState(lab.state), node);
  if (!plan) throw new UsageError(`lab "${lab.name}" has no node "${node}"`);
  return [...plan.steps, ...shapeOverrideSteps(lab.state, node)];
}

/** `lab kill NODE`: as a crashed machine, at once: its processes die (netns: by pid; Docker: the container is killed) and its links drop. */
export async function killNode(lab: RunningLab, node: string): Promise<void> {
  const n = findNode(lab, node);
  // recorded first, so watchd (reacting within a few probe rounds) already leaves the dead node alone
  await lab.update((s) => setFailure(s, node, 'killed'));
  try {
    // links first: a node's kernel forwards and answers on its own (Docker removes a killed container's endpoints late)
    await Promise.all(n.interfaces.map((i) => lab.backend.setLink(node, i.name, false)));
    await lab.backend.kill(node);
  } catch (err) {
    await lab.update((s) => clearFailure(s, node));
    throw err;
  }
}

/** `lab stop NODE`: SIGTERM to the node's processes (SIGKILL after 5 s); its links and rules stay. Returns what was stopped. */
export async function stopNode(lab: RunningLab, node: string): Promise<ProcessRecord[]> {
  const n = findNode(lab, node);
  const mine = lab.state.processes.filter((p) => p.node === node);
  const running = (await Promise.all(mine.map(async (p) => ((await lab.backend.isRunning(p)) ? p : undefined)))).filter((p): p is ProcessRecord => !!p);
  if (running.length === 0) {
    throw new UsageError(`${node} runs no process of the lab to stop (a ${n.role} does its work in the kernel): use \`lab kill ${node}\` or \`lab link ${node} down\``);
  }
  await lab.update((s) => setFailure(s, node, 'stopped'));
  await Promise.all(running.map((p) => lab.backend.stop(p, 5000)));
  return running;
}

/** Starts again the node's services that are not running, with their recorded command lines (the caller writes the state). */
export async function restartServices(lab: RunningLab, node: string): Promise<ProcessRecord[]> {
  const started: ProcessRecord[] = [];
  for (const p of lab.state.processes.filter((r) => r.node === node && SERVICES.has(r.name))) {
    if (await lab.backend.isRunning(p)) continue;
    const fresh = await lab.backend.spawn(node, p.name, p.argv, { logDir: dirname(p.logFile) });
    lab.state.processes = lab.state.processes.map((q) => (q === p ? fresh : q));
    started.push(fresh);
  }
  return started;
}

/**
 * `lab revive NODE`: back as a fresh machine: its links up (Docker: the container started and re-wired), its whole
 * plan for the cluster as it is now applied again (plans are idempotent), no injected loss, its services
 * restarted; returns once a server answers again.
 */
export async function reviveNode(lab: RunningLab, node: string): Promise<ProcessRecord[]> {
  const n = findNode(lab, node);
  const failure = lab.state.failures?.[node];
  if (failure?.kind === 'killed') await lab.backend.revive(node);
  else if (failure?.kind === 'link-down') await lab.backend.setLink(node, lanInterface(lab, node), true);
  const started = await lab.update(async (s) => {
    clearFailure(s, node);
    await lab.applySteps(node, [...nodeSteps(lab, node), lossStep(lanInterface(lab, node), 0)]);
    if (s.loss) delete s.loss[node];
    return restartServices(lab, node);
  });
  if (n.role === 'server') await waitServersAnswer(lab, lab.state.topology.servers.filter((s) => s.name === node));
  return started;
}

/** `lab link NODE down|up`: the node's LAN interface; up applies its plan again (routes via an interface go with it). */
export async function setNodeLink(lab: RunningLab, node: string, up: boolean): Promise<void> {
  const ifname = lanInterface(lab, node);
  if (lab.isKilled(node)) throw new UsageError(`${node} was killed: \`lab revive ${node}\` brings it back`);
  if (!up) {
    await lab.update((s) => setFailure(s, node, 'link-down'));
    await lab.backend.setLink(node, ifname, false);
    return;
  }
  await lab.backend.setLink(node, ifname, true);
  await lab.update(async (s) => {
    if (s.failures?.[node]?.kind === 'link-down') clearFailure(s, node);
    await lab.applySteps(node, nodeSteps(lab, node));
  });
}

/** nft rules that drop `percent` % of IPv4 packets at random on the interface, each way; 0 removes them. */
export function lossStep(ifname: string, percent: number): PlanStep {
  if (percent === 0) return { kind: 'run', line: `nft delete table ip ${LOSS_TABLE} 2>/dev/null || true`, comment: 'no injected loss' };
  const chance = percent === 100 ? '' : ` numgen random mod 100 < ${percent}`;
  const rule = (dir: 'iifname' | 'oifname', what: string) => `    ${dir} "${ifname}"${chance} counter drop comment "loss: dropped ${what}"`;
  const text = atomicTable(LOSS_TABLE, [
    '  chain ingress {',
    '    type filter hook prerouting priority -350; policy accept;',
    rule('iifname', 'in'),
    '  }',
    '  chain egress {',
    '    type filter hook postrouting priority 350; policy accept;',
    rule('oifname', 'out'),
    '  }',
  ]);
  return { kind: 'load', command: 'nft -f -', text, comment: `injected loss: ${percent} % of packets on ${ifname}, each way` };
}

/** `lab loss NODE PERCENT`: random drop of packets on the node's LAN interface, in and out (its own nft table); 0 removes it. */
export async function setNodeLoss(lab: RunningLab, node: string, percent: number): Promise<void> {
  const ifname = lanInterface(lab, node);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new UsageError(`loss: PERCENT must be a whole number from 0 to 100, got ${percent}`);
  if (lab.isKilled(node)) throw new UsageError(`${node} was killed: \`lab revive ${node}\` brings it back`);
  await lab.update(async (s) => {
    await lab.applySteps(node, [lossStep(ifname, percent)]);
    const { [node]: _old, ...rest } = s.loss ?? {};
    s.loss = percent === 0 ? rest : { ...rest, [node]: percent };
  });
}
