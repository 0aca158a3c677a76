// `lab compose -t FILE [-o OUT]`: the topology as one self-contained docker-compose.yml; needs no root and creates nothing else.
import { writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { LabError, UsageError } from '../../util/errors.js';
import { projectRoot } from '../../util/paths.js';
import { COMPOSE_IMAGE } from '../../compose/image.js';

/** The topology file as the generated header names it: relative to the project when inside it (stable across checkouts). */
function sourceName(file: string): string {
  const rel = relative(projectRoot(), resolve(file));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

export function registerCompose(program: Command): void {
  program
    .command('compose')
    .description('print a docker-compose.yml with which `docker compose up` alone brings up the topology\'s cluster')
    .option('-t, --topology <file>', 'topology file')
    .option('-o, --output <file>', 'write the file here instead of to standard output')
    .option('--image <image>', 'node image of every service', COMPOSE_IMAGE)
    .action(async (opts: { topology?: string; output?: string; image: string }) => {
      const [{ BackendError }, { ComposeError }, { renderCompose }, { topologyFrom }] = await Promise.all([
        import('../../backends/backend.js'),
        import('../../compose/sysctls.js'),
        import('../../compose/render.js'),
        import('../topology-arg.js'),
      ]);
      const t = topologyFrom(opts.topology);
      let text: string;
      try {
        text = renderCompose(t, { image: opts.image, source: sourceName(opts.topology!) });
      } catch (err) {
        if (err instanceof ComposeError || err instanceof BackendError) throw new UsageError(`${opts.topology}: ${err.message}`);
        throw err;
      }
      if (!opts.output) return void process.stdout.write(text);
      try {
        writeFileSync(opts.output, text);
      } catch (err) {
        throw new LabError(`cannot write ${opts.output}: ${(err as Error).message}`);
      }
      console.log(`wrote ${opts.output}: ${t.nodes.length} services, ${Object.keys(t.networks).length} networks (docker compose -f ${opts.output} up -d)`);
    });
}
