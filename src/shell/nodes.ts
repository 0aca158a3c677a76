// `nodes` of the shell, pure: every node of the lab with its role and what was done to it (failures, loss, out of the dispatch function).
import type { LabState } from '../lab/state.js';

function nodeState(state: LabState, name: string): string {
  const t = state.topology;
  const notes: string[] = [];
  const failure = state.failures?.[name];
  if (failure) notes.push(failure.kind);
  if (state.loss?.[name]) notes.push(`loss ${state.loss[name]}%`);
  const server = t.servers.find((s) => s.name === name);
  if (server && !state.alive.includes(server.index)) notes.push('out of the dispatch function');
  return notes.length > 0 ? notes.join(', ') : 'up';
}

export function nodesTable(state: LabState): string[][] {
  return state.topology.nodes.map((n) => [n.name, n.role, nodeState(state, n.name)]);
}
