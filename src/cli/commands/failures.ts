// `lab kill|stop|revive NODE`, `lab link NODE down|up`, `lab loss NODE PERCENT`: failure injection on a running lab, each at once.
import type { Command } from 'commander';
import { UsageError } from '../../lab/errors.js';
import { killNode, parsePercent, reviveNode, setNodeLink, setNodeLoss, stopNode } from '../../lab/failures.js';
import { RunningLab } from '../../lab/running-lab.js';

/** What watchd will do about it, for the confirmation line. */
function watchdNote(lab: RunningLab): string {
  const w = lab.state.watchd;
  return w ? `; watchd masks it within about ${w.misses + 1} probe rounds of ${w.intervalMs} ms (lab logs watchd)` : '';
}

function nameOption(cmd: Command): Command {
  return cmd.option('--name <name>', 'lab name (default: the only running lab)');
}

/** `down` or `up` -> whether the link goes up; anything else is a usage error. */
export function parseLinkState(state: string): boolean {
  if (state !== 'down' && state !== 'up') throw new UsageError(`link: STATE must be down or up, got "${state}"`);
  return state === 'up';
}

// Each injection below returns its confirmation line (shared with `lab shell`).

export async function killReport(lab: RunningLab, node: string): Promise<string> {
  await killNode(lab, node);
  return `${node} killed${watchdNote(lab)}`;
}

export async function stopReport(lab: RunningLab, node: string): Promise<string> {
  const stopped = await stopNode(lab, node);
  return `${node}: stopped ${stopped.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}${watchdNote(lab)}`;
}

export async function reviveReport(lab: RunningLab, node: string): Promise<string> {
  const started = await reviveNode(lab, node);
  const what = started.length > 0 ? `; restarted ${started.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}` : '';
  const back = lab.state.watchd?.down.includes(node) ? '; watchd puts it back into the function once it answers' : '';
  return `${node} revived${what}${back}`;
}

export async function linkReport(lab: RunningLab, node: string, up: boolean): Promise<string> {
  await setNodeLink(lab, node, up);
  return `${node}: LAN link ${up ? 'up' : 'down'}${up ? '' : watchdNote(lab)}`;
}

export async function lossReport(lab: RunningLab, node: string, percent: number): Promise<string> {
  await setNodeLoss(lab, node, percent);
  return percent === 0 ? `${node}: no injected loss` : `${node}: dropping ${percent} % of packets in and ${percent} % out on its LAN interface`;
}

export function registerFailures(program: Command): void {
  nameOption(program.command('kill').description('crash a node at once: its processes die (by pid) and its links drop (Docker: the container is killed)'))
    .argument('<node>', 'node name (s0, dispatcher, router, ...)')
    .action(async (node: string, opts: { name?: string }) => console.log(await killReport(await RunningLab.open(opts.name), node)));

  nameOption(program.command('stop').description('stop a node gracefully: SIGTERM to its processes (SIGKILL after 5 s); links and rules stay'))
    .argument('<node>', 'node name')
    .action(async (node: string, opts: { name?: string }) => console.log(await stopReport(await RunningLab.open(opts.name), node)));

  nameOption(program.command('revive').description("bring a node back: links up, its plan applied again with the current dispatch rules, its services restarted"))
    .argument('<node>', 'node name')
    .action(async (node: string, opts: { name?: string }) => console.log(await reviveReport(await RunningLab.open(opts.name), node)));

  nameOption(program.command('link').description("set a node's LAN interface down or up (up applies its plan again: routes left with the link)"))
    .argument('<node>', 'node name')
    .argument('<state>', 'down | up')
    .action(async (node: string, state: string, opts: { name?: string }) => {
      const up = parseLinkState(state);
      console.log(await linkReport(await RunningLab.open(opts.name), node, up));
    });

  nameOption(program.command('loss').description("drop PERCENT % of a node's IPv4 packets at random on its LAN interface, each way (nft numgen); 0 removes it"))
    .argument('<node>', 'node name')
    .argument('<percent>', 'a whole number 0..100')
    .action(async (node: string, percent: string, opts: { name?: string }) => {
      const p = parsePercent(percent);
      console.log(await lossReport(await RunningLab.open(opts.name), node, p));
    });
}
