// `lab images`: the Docker node image: list what the engine has, build this checkout's recipe (offline with mmdebstrap).
import type { Command } from 'commander';
import type { BuildMethod } from '../../backends/docker/image/build.js';
import { UsageError, LabError } from '../../util/errors.js';

const METHODS: BuildMethod[] = ['auto', 'mmdebstrap', 'dockerfile'];

async function needEngine(): Promise<void> {
  const { dockerAvailable } = await import('../../backends/docker/engine.js');
  const engine = await dockerAvailable();
  if (!engine.ok) throw new LabError(engine.reason);
}

export function registerImages(program: Command): void {
  const images = program
    .command('images')
    .description('the Docker node image: list the built ones (default), or build this checkout\'s recipe')
    .action(async () => {
      await needEngine();
      const [{ listLabImages }, { loadRecipe }, { table }] = await Promise.all([
        import('../../backends/docker/image/build.js'),
        import('../../backends/docker/image/recipe.js'),
        import('../../present/output.js'),
      ]);
      const recipe = loadRecipe();
      const list = await listLabImages();
      console.log(`this checkout's image: ${recipe.tag} (${recipe.packages.length} packages: ${recipe.packages.join(' ')})`);
      if (list.length === 0) {
        console.log('no oneip-lab image on the engine yet: `./lab images build` makes one (offline, one to two minutes)');
        return;
      }
      console.log(table(['image', 'id', 'created', 'size', 'current'], list.map((i) => [i.tag, i.id, i.created.toISOString().slice(0, 19).replace('T', ' '), `${i.sizeMb.toFixed(0)} MB`, i.current ? 'yes' : ''])));
    });

  images
    .command('build')
    .description('build the node image unless its tag (a hash of images/packages.txt and the recipe) exists already')
    .option('--method <method>', `${METHODS.join(' | ')}: mmdebstrap + docker import needs no registry; dockerfile pulls debian:bookworm-slim`, 'auto')
    .option('--force', 'build even when the tag exists')
    .action(async (opts: { method: string; force?: boolean }) => {
      if (!(METHODS as string[]).includes(opts.method)) throw new UsageError(`--method: "${opts.method}" is not one of ${METHODS.join(', ')}`);
      await needEngine();
      const [{ ensureLabImage }, { loadRecipe }, { progress }, { setupReporter }] = await Promise.all([
        import('../../backends/docker/image/build.js'),
        import('../../backends/docker/image/recipe.js'),
        import('../spinner.js'),
        import('../../backends/docker/setup.js'),
      ]);
      const spin = progress(`node image ${loadRecipe().tag}`);
      try {
        // steps as lines off a terminal; mmdebstrap's own output only in the spinner
        const r = await ensureLabImage({ method: opts.method as BuildMethod, force: Boolean(opts.force), onStep: setupReporter(spin.step), onLine: spin.step });
        const text = r.built ? `built ${r.tag} with ${r.method} in ${r.seconds.toFixed(1)} s` : `${r.tag} is there already (cached)`;
        spin.succeed(text);
        if (!process.stderr.isTTY || process.env.CI) console.log(text);
      } catch (err) {
        spin.fail();
        throw err;
      }
    });
}
