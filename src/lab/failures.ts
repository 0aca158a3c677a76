// Failure injection on a running lab, each taking effect at once: kill, stop, revive, link down|up, packet loss.
import { dirname } from 'node:path';
import type { ProcessRecord } from '../backends/backend.js';
import type { PlanStep } from '../plan/types.js';
import { planLab } from '../schemes/plan-lab.js';
import { atomicTable } from '../schemes/rules/nft-table.js';
import { routerGhostSteps } from '../schemes/routing.js';
import type { LabNode } from '../topology/types.js';
import { dispatcherProbeSteps, PROBER_PROCESS } from '../watchd/config.js';
import { dispatchState } from './dispatch-control.js';
import { LabError, UsageError } from './errors.js';
import type { RunningLab } from './running-lab.js';
import { SERVER_PROCESS, waitServersAnswer } from './servers.js';
import { writeState, withStateLock, type LabState, type NodeFailure } from './state.js';
import { refreshState } from './survivor-lab.js';

/** The nftables table of `lab loss` in a node. */
export const LOSS_TABLE = 'oneip_loss';
/** Processes a revived node gets back: the HTTP server of a server, watchd's prober in the router. */
const SERVICES = new Set([SERVER_PROCESS, PROBER_PROCESS]);

function findNode(lab: RunningLab, node: string): LabNode {
  const found = lab.state.topology.nodes.find((n) => n.name === node);
  if (!found) throw new UsageError(`lab "${lab.name}" has no node "${node}" (nodes: ${lab.state.topology.nodes.map((n) => n.name).join(', ')})`);
  return found;
}

/** The node's LAN interface (the client, on no LAN, has only its client link). */
export function lanInterface(lab: RunningLab, node: string): string {
  const n = findNode(lab, node);
  return (n.interfaces.find((i) => i.network === 'lan') ?? n.interfaces[0]!).name;
}

/** Reads the state afresh, runs fn, writes the state: under the lab's state lock. */
async function locked<T>(lab: RunningLab, fn: (state: LabState) => Promise<T> | T): Promise<T> {
  return withStateLock(lab.name, async () => {
    const result = await fn(await refreshState(lab));
    await writeState(lab.state);
    return result;
  });
}

function setFailure(state: LabState, node: string, kind: NodeFailure['kind']): void {
  state.failures = { ...state.failures, [node]: { kind, since: new Date().toISOString() } };
}

function clearFailure(state: LabState, node: string): void {
  if (!state.failures) return;
  const { [node]: _gone, ...rest } = state.failures;
  state.failures = rest;
}

/** A node's whole plan for the lab as it is now: the current dispatch rules, and on the router the active dispatcher and watchd's probe routes. */
export function nodeSteps(lab: RunningLab, node: string): PlanStep[] {
  const t = lab.state.topology;
  const plan = planLab(t, dispatchState(lab)).nodes.find((p) => p.node === node);
  if (!plan) throw new UsageError(`lab "${lab.name}" has no node "${node}"`);
  const steps = [...plan.steps];
  if (node === t.router.name && t.scheme === 'routing') {
    const active = t.dispatchers.find((d) => d.name === lab.state.activeDispatcher) ?? t.dispatchers[0]!;
    steps.push(...routerGhostSteps(t, active));
    if (t.watchd?.enabled) steps.push(...dispatcherProbeSteps(t));
  }
  return steps;
}

/** `lab kill NODE`: as a crashed machine, at once: its processes die (netns: by pid; Docker: the container is killed) and its links drop. */
export async function killNode(lab: RunningLab, node: string): Promise<void> {
  findNode(lab, node);
  const kill = lab.backend.kill?.bind(lab.backend);
  if (!kill) throw new LabError(`the ${lab.backend.kind} backend cannot kill a node`);
  // recorded first, so watchd (reacting within a few probe rounds) already leaves the dead node alone
  await locked(lab, (s) => setFailure(s, node, 'killed'));
  try {
    // links first: a node's kernel forwards and answers on its own (Docker removes a killed container's endpoints late)
    await Promise.all(findNode(lab, node).interfaces.map((i) => lab.backend.setLink(node, i.name, false)));
    await kill(node);
  } catch (err) {
    await locked(lab, (s) => clearFailure(s, node));
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
  await locked(lab, (s) => setFailure(s, node, 'stopped'));
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
 * plan applied again with the current dispatch rules (plans are idempotent), no injected loss, its services
 * restarted; returns once a server answers again.
 */
export async function reviveNode(lab: RunningLab, node: string): Promise<ProcessRecord[]> {
  const n = findNode(lab, node);
  const failure = lab.state.failures?.[node];
  if (failure?.kind === 'killed') {
    if (!lab.backend.revive) throw new LabError(`the ${lab.backend.kind} backend cannot revive a node`);
    await lab.backend.revive(node);
  } else if (failure?.kind === 'link-down') {
    await lab.backend.setLink(node, lanInterface(lab, node), true);
  }
  const started = await locked(lab, async (s) => {
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
  if (lab.state.failures?.[node]?.kind === 'killed') throw new UsageError(`${node} was killed: \`lab revive ${node}\` brings it back`);
  if (!up) {
    await locked(lab, (s) => setFailure(s, node, 'link-down'));
    await lab.backend.setLink(node, ifname, false);
    return;
  }
  await lab.backend.setLink(node, ifname, true);
  await locked(lab, async (s) => {
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

/** Parses a loss percentage: a whole number 0..100. */
export function parsePercent(text: string): number {
  if (!/^\d{1,3}$/.test(text.trim()) || Number(text) > 100) throw new UsageError(`loss: PERCENT must be a whole number from 0 to 100, got "${text}"`);
  return Number(text);
}

/** `lab loss NODE PERCENT`: random drop of packets on the node's LAN interface, in and out (its own nft table); 0 removes it. */
export async function setNodeLoss(lab: RunningLab, node: string, percent: number): Promise<void> {
  const ifname = lanInterface(lab, node);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new UsageError(`loss: PERCENT must be a whole number from 0 to 100, got ${percent}`);
  if (lab.state.failures?.[node]?.kind === 'killed') throw new UsageError(`${node} was killed: \`lab revive ${node}\` brings it back`);
  await locked(lab, async (s) => {
    await lab.applySteps(node, [lossStep(ifname, percent)]);
    const { [node]: _old, ...rest } = s.loss ?? {};
    s.loss = percent === 0 ? rest : { ...rest, [node]: percent };
  });
}
