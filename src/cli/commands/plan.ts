// `lab plan -t FILE`: print every node's commands (sysctls, ip, nft, iptables) without creating anything.
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';

export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description("print every node's configuration commands; needs no root and creates nothing")
    .option('-t, --topology <file>', 'topology file')
    .option('--node <node>', 'only this node')
    .option('--json', 'machine-readable output')
    .action(async (opts: { topology?: string; node?: string; json?: boolean }) => {
      const [{ renderNodePlan }, { initialClusterState }, { planLab }, { printJson }, { topologyFrom }] = await Promise.all([
        import('../../plan/types.js'),
        import('../../schemes/cluster-state.js'),
        import('../../schemes/plan-lab.js'),
        import('../../present/output.js'),
        import('../topology-arg.js'),
      ]);
      const t = topologyFrom(opts.topology);
      const plan = planLab(t, initialClusterState(t));
      const nodes = opts.node ? plan.nodes.filter((n) => n.node === opts.node) : plan.nodes;
      if (nodes.length === 0) throw new UsageError(`--node: the topology has no node "${opts.node}" (nodes: ${plan.nodes.map((n) => n.node).join(', ')})`);
      if (opts.json) return printJson({ ...plan, nodes });
      console.log(nodes.map(renderNodePlan).join('\n\n'));
    });
}
