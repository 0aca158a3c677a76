// `lab shape NODE RATE|off [--delay D] [--jitter J]`: shapes a node's LAN interface egress on a running lab (tbf; netem for delay).
import type { Command } from 'commander';

export function registerShape(program: Command): void {
  program
    .command('shape')
    .description("shape a node's LAN interface egress (the client: its client link), as Mininet's TCLink: RATE with tbf, --delay/--jitter with netem; off removes it")
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--delay <ms>', 'added delay, e.g. 20ms (needs netem in the kernel)')
    .option('--jitter <ms>', 'delay variation, e.g. 5ms (with --delay)')
    .argument('<node>', 'node name (s0, router, client, ...)')
    .argument('<rate>', 'a rate such as 10mbit, 512kbit, 1gbit, or off')
    .action(async (node: string, rate: string, opts: { name?: string; delay?: string; jitter?: string }) => {
      const [{ RunningLab }, { parseShape, setNodeShape }] = await Promise.all([import('../../lab/running-lab.js'), import('../../lab/shape.js')]);
      const shape = parseShape(rate, opts);
      const lab = await RunningLab.open(opts.name);
      lab.node(node);
      console.log(await setNodeShape(lab, node, shape));
    });
}
