// Timeline actions: parsed from the words of the failure commands (kill s1, link s1 down, loss s1 20) and run on a lab.
import { killNode, reviveNode, setNodeLink, setNodeLoss, stopNode } from '../lab/failures.js';
import type { RunningLab } from '../lab/running-lab.js';
import type { Topology } from '../topology/types.js';
import type { Action } from './types.js';

export const ACTION_FORMS = 'kill NODE, stop NODE, revive NODE, link NODE up|down, loss NODE PERCENT';

/** Parses an action against the topology's nodes; a string is the reason it is refused. */
export function parseAction(text: string, t: Topology): Action | string {
  const words = text.trim().split(/\s+/);
  const [verb, node, arg, ...rest] = words;
  if (!verb || !['kill', 'stop', 'revive', 'link', 'loss'].includes(verb)) return `unknown action "${verb ?? ''}": one of ${ACTION_FORMS}`;
  const wanted = verb === 'link' || verb === 'loss' ? 3 : 2;
  if (words.length !== wanted || rest.length > 0) return `"${text.trim()}": expected ${ACTION_FORMS.split(', ').find((f) => f.startsWith(verb))}`;
  const found = t.nodes.find((n) => n.name === node);
  if (!found) return `no node "${node}" in the topology (nodes: ${t.nodes.filter((n) => n.role !== 'client').map((n) => n.name).join(', ')})`;
  if (found.role === 'client') return 'the client runs the load: fail a router, dispatcher or server instead';
  const line = words.join(' ');
  if (verb === 'stop' && found.role !== 'server') return `stop ends a node's processes, and a ${found.role} does its work in the kernel: use kill ${node} or link ${node} down`;
  if (verb === 'link') {
    if (arg !== 'up' && arg !== 'down') return `link ${node}: expected up or down, got "${arg}"`;
    return { kind: 'link', node: found.name, up: arg === 'up', text: line };
  }
  if (verb === 'loss') {
    if (!/^\d{1,3}$/.test(arg!) || Number(arg) > 100) return `loss ${node}: PERCENT must be a whole number from 0 to 100, got "${arg}"`;
    return { kind: 'loss', node: found.name, percent: Number(arg), text: line };
  }
  return { kind: verb as 'kill' | 'stop' | 'revive', node: found.name, text: line };
}

/** Does it: the same functions as `lab kill|stop|revive|link|loss`. */
export async function runAction(lab: RunningLab, a: Action): Promise<void> {
  switch (a.kind) {
    case 'kill':
      return killNode(lab, a.node);
    case 'stop':
      await stopNode(lab, a.node);
      return;
    case 'revive':
      await reviveNode(lab, a.node);
      return;
    case 'link':
      return setNodeLink(lab, a.node, a.up);
    case 'loss':
      return setNodeLoss(lab, a.node, a.percent);
  }
}

/** Whether the action takes the node out of service (watchd should react), puts it back, or neither. */
export function actionEffect(a: Action): 'fails' | 'restores' {
  if (a.kind === 'revive' || (a.kind === 'link' && a.up) || (a.kind === 'loss' && a.percent === 0)) return 'restores';
  return 'fails';
}
