// The one table of actions (kill, stop, revive, link, loss, drain, undrain, scale): arguments, parsing, what each does, its report and its effect.
import type { LabNode, Topology } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import type { RunningLab } from './running-lab.js';
import { MAX_SERVERS } from '../topology-file/limits.js';

/** An action as parsed: the same words as the commands (kill s1, link s1 down, loss s1 20). */
export type Action =
  | { kind: 'kill' | 'stop' | 'revive' | 'drain' | 'undrain'; node: string; text: string }
  | { kind: 'link'; node: string; up: boolean; text: string }
  | { kind: 'loss'; node: string; percent: number; text: string }
  /** the one action on the whole cluster: its number of servers */
  | { kind: 'scale'; node?: undefined; servers: number; text: string };

export type ActionName = Action['kind'];

/** An argument after NODE: its word in usage lines, the words it completes to, and its parser. */
export interface ActionArgument<V> {
  /** its name on the command line, e.g. <state> */
  name: string;
  usage: string;
  /** what the command line's help says of it */
  help: string;
  completions: readonly string[];
  /** the value, or a UsageError whose message names the action and node */
  parse(text: string, verb: string, node: string): V;
}

export interface ActionDefinition {
  name: ActionName;
  /** what it acts on: a node (the default), or the cluster's number of servers (N) */
  operand?: 'node' | 'count';
  /** help of the command (CLI) */
  description: string;
  /** the shorter line of the shell's help */
  shellDescription: string;
  /** the argument after NODE, if any */
  argument?: ActionArgument<unknown>;
  /** why this action cannot be done to a node of this role, or undefined */
  refuse?(node: LabNode): string | undefined;
  /** does it and returns the confirmation line */
  run(lab: RunningLab, action: Action): Promise<string>;
  /** whether it takes the node out of service (watchd should react), puts it back, or changes the function on purpose */
  effect(action: Action): ActionEffect;
}

export type ActionEffect = 'fails' | 'restores' | 'changes';

/** `up` or `down` -> whether the link goes up. */
export const LINK_STATE: ActionArgument<boolean> = {
  name: 'state',
  usage: 'up|down',
  help: 'down | up',
  completions: ['up', 'down'],
  parse(text, verb, node) {
    if (text !== 'up' && text !== 'down') throw new UsageError(`${verb} ${node}: expected up or down, got "${text}" (a link goes down or up)`);
    return text === 'up';
  },
};

/** A whole number 0..100. */
export const PERCENT: ActionArgument<number> = {
  name: 'percent',
  usage: 'PERCENT',
  help: 'a whole number 0..100',
  completions: ['0', '1', '5', '10', '50', '100'],
  parse(text, verb, node) {
    if (!/^\d{1,3}$/.test(text.trim()) || Number(text) > 100) throw new UsageError(`${verb} ${node}: PERCENT must be a whole number from 0 to 100, got "${text}"`);
    return Number(text);
  },
};

/** Parses a loss percentage: a whole number 0..100. */
export function parsePercent(text: string): number {
  return PERCENT.parse(text, 'loss', 'NODE');
}

/** What watchd will do about it, for the confirmation line. */
async function watchdNote(lab: RunningLab, node?: string): Promise<string> {
  const { schemeOf } = await import('../schemes/registry.js');
  const w = lab.state.watchd;
  // a dispatcher watchd does not probe (the dns scheme's name server) is not masked
  const probed = node === undefined || !lab.state.topology.dispatchers.some((d) => d.name === node) || schemeOf(lab.state.topology).dispatchersOnPath !== false;
  if (w && !probed) return '; watchd does not probe a name server: nothing masks it (lab revive brings it back)';
  return w ? `; watchd masks it within about ${w.misses + 1} probe rounds of ${w.intervalMs} ms (lab logs watchd)` : '';
}

/** What the actions do, loaded when one runs (the table itself is read by `lab --help`, which does none). */
const failures = (): Promise<typeof import('./failures.js')> => import('./failures.js');

const started = (ps: { name: string; pid: number }[]): string => ps.map((p) => `${p.name} (pid ${p.pid})`).join(', ');

export const ACTIONS: readonly ActionDefinition[] = [
  {
    name: 'kill',
    description: 'crash a node at once: its processes die (by pid) and its links drop (Docker: the container is killed)',
    shellDescription: 'crash a node at once: its processes die, its links drop',
    run: async (lab, a) => {
      await (await failures()).killNode(lab, a.node!);
      return `${a.node} killed${await watchdNote(lab, a.node)}`;
    },
    effect: () => 'fails',
  },
  {
    name: 'stop',
    description: 'stop a node gracefully: SIGTERM to its processes (SIGKILL after 5 s); links and rules stay',
    shellDescription: "stop a node's processes gracefully (SIGTERM); links and rules stay",
    refuse: (n) => (n.role === 'server' ? undefined : `stop ends a node's processes, and a ${n.role} does its work in the kernel: use kill ${n.name} or link ${n.name} down`),
    run: async (lab, a) => `${a.node}: stopped ${started(await (await failures()).stopNode(lab, a.node!))}${await watchdNote(lab, a.node)}`,
    effect: () => 'fails',
  },
  {
    name: 'revive',
    description: 'bring a node back: links up, its plan applied again with the current dispatch rules, its services restarted',
    shellDescription: 'bring a node back: links up, its plan again, its services restarted',
    run: async (lab, a) => {
      const back = await (await failures()).reviveNode(lab, a.node!);
      const what = back.length > 0 ? `; restarted ${started(back)}` : '';
      const note = lab.state.watchd?.down.includes(a.node!) ? '; watchd puts it back into the function once it answers' : '';
      return `${a.node} revived${what}${note}`;
    },
    effect: () => 'restores',
  },
  {
    name: 'link',
    description: "set a node's LAN interface down or up (up applies its plan again: routes left with the link)",
    shellDescription: "set a node's LAN interface up or down",
    argument: LINK_STATE,
    run: async (lab, a) => {
      const up = a.kind === 'link' && a.up;
      await (await failures()).setNodeLink(lab, a.node!, up);
      return `${a.node}: LAN link ${up ? 'up' : 'down'}${up ? '' : await watchdNote(lab, a.node)}`;
    },
    effect: (a) => (a.kind === 'link' && a.up ? 'restores' : 'fails'),
  },
  {
    name: 'loss',
    description: "drop PERCENT % of a node's IPv4 packets at random on its LAN interface, each way (nft numgen); 0 removes it",
    shellDescription: "drop PERCENT % of a node's packets at random on its LAN interface (0 removes it)",
    argument: PERCENT,
    run: async (lab, a) => {
      const percent = a.kind === 'loss' ? a.percent : 0;
      await (await failures()).setNodeLoss(lab, a.node!, percent);
      return percent === 0 ? `${a.node}: no injected loss` : `${a.node}: dropping ${percent} % of packets in and ${percent} % out on its LAN interface`;
    },
    effect: (a) => (a.kind === 'loss' && a.percent === 0 ? 'restores' : 'fails'),
  },
  {
    name: 'drain',
    description: 'drain a server: out of the dispatch function, it takes no new connection and finishes those it has (graceful transition)',
    shellDescription: 'take a server out of the function; its connections finish there',
    refuse: (n) => (n.role === 'server' ? undefined : `drain takes a server out of the dispatch function; ${n.name} is a ${n.role}`),
    run: async (lab, a) => {
      await (await import('./dispatch-control.js')).changeAlive(lab, [a.node!], []);
      return `${a.node} drained: no new connection goes to it${transitionNote(lab)}`;
    },
    effect: () => 'changes',
  },
  {
    name: 'undrain',
    description: 'put a drained server back into the dispatch function (graceful transition: connections elsewhere finish where they are)',
    shellDescription: 'put a drained server back into the function',
    refuse: (n) => (n.role === 'server' ? undefined : `undrain puts a server back into the dispatch function; ${n.name} is a ${n.role}`),
    run: async (lab, a) => {
      await (await import('./dispatch-control.js')).changeAlive(lab, [], [a.node!]);
      return `${a.node} back in the function${transitionNote(lab)}`;
    },
    effect: () => 'changes',
  },
  {
    name: 'scale',
    operand: 'count',
    description: 'grow or shrink the cluster to N servers: new nodes wired and serving before the function changes; leaving ones drained first',
    shellDescription: 'grow or shrink the cluster to N servers',
    run: async (lab, a) => {
      const r = await (await import('./scale.js')).scaleLab(lab, a.kind === 'scale' ? a.servers : 0);
      const what = r.added.length > 0 ? `added ${r.added.join(', ')}` : r.removed.length > 0 ? `removed ${r.removed.join(', ')}` : 'nothing to do';
      return `scaled from ${r.from} to ${r.to} servers: ${what}${transitionNote(lab)}`;
    },
    effect: () => 'changes',
  },
];

/** What the transition in force means, for confirmation lines. */
function transitionNote(lab: RunningLab): string {
  const tr = lab.state.transition;
  return tr ? `; transition in force until the moved clients' connections finish (at most ${lab.state.topology.transitionTimeoutMs / 1000} s): lab status shows it` : '';
}

/** `scale N`: a count of servers from 1 to MAX_SERVERS. */
export function parseServerCount(text: string, verb = 'scale'): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > MAX_SERVERS) throw new UsageError(`${verb}: N must be a whole number from 1 to ${MAX_SERVERS}, got "${text}"`);
  return Number(text);
}

export function actionDefinition(name: string): ActionDefinition | undefined {
  return ACTIONS.find((a) => a.name === name);
}

/** "link NODE up|down", "scale N" */
export function actionForm(def: ActionDefinition): string {
  return [def.name, def.operand === 'count' ? 'N' : 'NODE', def.argument?.usage].filter(Boolean).join(' ');
}

/** Every form, for messages: "kill NODE, stop NODE, revive NODE, link NODE up|down, loss NODE PERCENT". */
export const ACTION_FORMS = ACTIONS.map(actionForm).join(', ');

/** Builds an action from its words (verb, node, argument); throws UsageError with the reason it is refused. */
export function actionFromWords(words: string[]): Action {
  const [verb, node, arg] = words;
  const def = verb === undefined ? undefined : actionDefinition(verb);
  if (!def) throw new UsageError(`unknown action "${verb ?? ''}": one of ${ACTION_FORMS}`);
  const text = words.join(' ');
  if (words.length !== (def.argument ? 3 : 2)) throw new UsageError(`"${text}": expected ${actionForm(def)}`);
  if (def.name === 'scale') return { kind: 'scale', servers: parseServerCount(node!), text };
  if (def.name === 'link') return { kind: 'link', node: node!, up: LINK_STATE.parse(arg!, 'link', node!), text };
  if (def.name === 'loss') return { kind: 'loss', node: node!, percent: PERCENT.parse(arg!, 'loss', node!), text };
  return { kind: def.name as 'kill', node: node!, text };
}

/** An action of a timeline, against a topology's nodes (not the client, which runs the load); a string is why it is refused. */
export function parseTimelineAction(text: string, t: Topology): Action | string {
  let action: Action;
  try {
    action = actionFromWords(text.trim().split(/\s+/));
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  if (action.kind === 'scale') return action;
  const found = t.nodes.find((n) => n.name === action.node);
  if (!found) return `no node "${action.node}" in the topology (nodes: ${t.nodes.filter((n) => n.role !== 'client').map((n) => n.name).join(', ')})`;
  if (found.role === 'client') return 'the client runs the load: fail a router, dispatcher or server instead';
  return actionDefinition(action.kind)!.refuse?.(found) ?? action;
}

/** Does it, and returns its confirmation line: the CLI, the shell and scenarios all come here. */
export function runAction(lab: RunningLab, action: Action): Promise<string> {
  return actionDefinition(action.kind)!.run(lab, action);
}

/** Whether the action takes the node out of service (watchd should react), or puts it back. */
export function actionEffect(action: Action): ActionEffect {
  return actionDefinition(action.kind)!.effect(action);
}
