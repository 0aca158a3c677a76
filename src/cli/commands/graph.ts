// `lab graph [-t FILE | --name L] [-o FILE.svg]`: the topology drawn as one self-contained SVG, with a running lab's down nodes.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description("draw the topology as an SVG (nodes, networks, addresses, the ghost; a running lab's down nodes): from -t FILE, or a running lab")
    .option('-t, --topology <file>', 'a topology file (everything drawn up)')
    .option('--name <name>', 'a running lab (default without -t: the only running lab)')
    .option('-o, --output <file.svg>', 'write the SVG here (default: standard output)')
    .action(async (opts: { topology?: string; name?: string; output?: string }) => {
      if (opts.topology && opts.name) throw new UsageError('graph: give -t FILE or --name LAB, not both');
      if (opts.output !== undefined && !opts.output.endsWith('.svg')) throw new UsageError(`graph: -o FILE must end in .svg, got "${opts.output}"`);
      const [{ graphModel, statusOfLab }, { renderTopologySvg }, { findLab }, { topologyFrom }] = await Promise.all([
        import('../../graph/graph-model.js'),
        import('../../graph/topology-svg.js'),
        import('../../lab/state.js'),
        import('../topology-arg.js'),
      ]);
      let svg: string;
      if (opts.topology) {
        svg = renderTopologySvg(graphModel(topologyFrom(opts.topology)));
      } else {
        const state = await findLab(opts.name);
        svg = renderTopologySvg(graphModel(state.topology, statusOfLab(state), state.name));
      }
      if (opts.output === undefined) process.stdout.write(svg);
      else {
        writeFileSync(opts.output, svg);
        console.log(`wrote ${opts.output}`);
      }
    });
}
