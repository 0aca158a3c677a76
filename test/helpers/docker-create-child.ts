// Child for the Docker crash test: creates a farm lab (argv: lab, servers, shareDir), printing "start" before and "done" after.
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerFarmLab } from './docker-lab-spec.js';

const [lab, servers, shareDir] = process.argv.slice(2);
if (lab === undefined || shareDir === undefined) {
  // tap's default file patterns pick up test/helpers/ too: without arguments this is not a test, and creates nothing
  process.stdout.write('1..0 # SKIP helper of docker-backend.test.ts, run by it with arguments\n');
} else {
  const backend = new DockerBackend(lab, { shareDir, buildImage: false });
  process.stdout.write('start\n');
  await backend.create(dockerFarmLab(lab, Number(servers ?? 8)));
  process.stdout.write('done\n');
}
