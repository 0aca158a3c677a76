// `lab status`: the lab's scheme, backend, ghost and every node with its role and addresses.
import type { Command } from 'commander';
import type { LabState } from '../../lab/state.js';
import { findLab } from '../../lab/state.js';
import { interfaceCidr } from '../../topology/types.js';
import { printJson, table } from '../output.js';

export interface StatusJson {
  name: string;
  scheme: string;
  backend: string;
  phase: string;
  ghost: string;
  dispatch: { function: string; alive: string[] };
  nodes: { name: string; role: string; addresses: string[] }[];
}

export function statusJson(state: LabState): StatusJson {
  const t = state.topology;
  return {
    name: state.name,
    scheme: t.scheme,
    backend: state.backend,
    phase: state.phase,
    ghost: t.ghost,
    dispatch: { function: t.dispatch.function, alive: state.alive.map((k) => t.servers[k]!.name) },
    nodes: t.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      addresses: [...n.interfaces.map(interfaceCidr), ...(n.role === 'server' ? [`${t.ghost}/32`] : [])],
    })),
  };
}

export function printStatus(state: LabState): void {
  const s = statusJson(state);
  console.log(`lab ${s.name}: ${s.scheme} scheme, ${s.backend} backend, ghost ${s.ghost}, dispatch ${s.dispatch.function} (alive: ${s.dispatch.alive.join(' ')})`);
  console.log(table(['node', 'role', 'addresses'], s.nodes.map((n) => [n.name, n.role, n.addresses.join(' ')])));
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show a running lab: scheme, backend, ghost, nodes with roles and addresses')
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; json?: boolean }) => {
      const state = await findLab(opts.name);
      if (opts.json) printJson(statusJson(state));
      else printStatus(state);
    });
}
