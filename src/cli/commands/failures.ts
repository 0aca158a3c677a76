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

export function registerFailures(program: Command): void {
  nameOption(program.command('kill').description('crash a node at once: its processes die (by pid) and its links drop (Docker: the container is killed)'))
    .argument('<node>', 'node name (s0, dispatcher, router, ...)')
    .action(async (node: string, opts: { name?: string }) => {
      const lab = await RunningLab.open(opts.name);
      await killNode(lab, node);
      console.log(`${node} killed${watchdNote(lab)}`);
    });

  nameOption(program.command('stop').description('stop a node gracefully: SIGTERM to its processes (SIGKILL after 5 s); links and rules stay'))
    .argument('<node>', 'node name')
    .action(async (node: string, opts: { name?: string }) => {
      const lab = await RunningLab.open(opts.name);
      const stopped = await stopNode(lab, node);
      console.log(`${node}: stopped ${stopped.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}${watchdNote(lab)}`);
    });

  nameOption(program.command('revive').description("bring a node back: links up, its plan applied again with the current dispatch rules, its services restarted"))
    .argument('<node>', 'node name')
    .action(async (node: string, opts: { name?: string }) => {
      const lab = await RunningLab.open(opts.name);
      const started = await reviveNode(lab, node);
      const what = started.length > 0 ? `; restarted ${started.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}` : '';
      const back = lab.state.watchd?.down.includes(node) ? '; watchd puts it back into the function once it answers' : '';
      console.log(`${node} revived${what}${back}`);
    });

  nameOption(program.command('link').description("set a node's LAN interface down or up (up applies its plan again: routes left with the link)"))
    .argument('<node>', 'node name')
    .argument('<state>', 'down | up')
    .action(async (node: string, state: string, opts: { name?: string }) => {
      if (state !== 'down' && state !== 'up') throw new UsageError(`link: STATE must be down or up, got "${state}"`);
      const lab = await RunningLab.open(opts.name);
      await setNodeLink(lab, node, state === 'up');
      console.log(`${node}: LAN link ${state}${state === 'down' ? watchdNote(lab) : ''}`);
    });

  nameOption(program.command('loss').description("drop PERCENT % of a node's IPv4 packets at random on its LAN interface, each way (nft numgen); 0 removes it"))
    .argument('<node>', 'node name')
    .argument('<percent>', 'a whole number 0..100')
    .action(async (node: string, percent: string, opts: { name?: string }) => {
      const p = parsePercent(percent);
      const lab = await RunningLab.open(opts.name);
      await setNodeLoss(lab, node, p);
      console.log(p === 0 ? `${node}: no injected loss` : `${node}: dropping ${p} % of packets in and ${p} % out on its LAN interface`);
    });
}
