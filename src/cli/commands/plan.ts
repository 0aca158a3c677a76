// `lab plan -t FILE`: print every node's commands (sysctls, ip, nft, iptables) without creating anything.
import type { Command } from 'commander';
import { renderNodePlan } from '../../plan/types.js';
import { initialClusterState } from '../../schemes/cluster-state.js';
import { planLab } from '../../schemes/plan-lab.js';
import { printJson } from '../../present/output.js';
import { topologyFrom } from '../topology-arg.js';
import { UsageError } from '../../util/errors.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description("print every node's configuration commands; needs no root and creates nothing")
    .option('-t, --topology <file>', 'topology file')
    .option('--node <node>', 'only this node')
    .option('--json', 'machine-readable output')
    .action((opts: { topology?: string; node?: string; json?: boolean }) => {
      const t = topologyFrom(opts.topology);
      const plan = planLab(t, initialClusterState(t));
      const nodes = opts.node ? plan.nodes.filter((n) => n.node === opts.node) : plan.nodes;
      if (nodes.length === 0) throw new UsageError(`--node: the topology has no node "${opts.node}" (nodes: ${plan.nodes.map((n) => n.node).join(', ')})`);
      if (opts.json) return printJson({ ...plan, nodes });
      console.log(nodes.map(renderNodePlan).join('\n\n'));
    });
}
