// Child of the kill-during-create contract test: creates a farm lab (argv: netns|docker, lab, servers, shareDir), printing "start" before and "done" after.
import type { Backend, LabSpec } from '../../src/backends/backend.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { dockerFarmLab } from './docker-lab-spec.js';
import { farmLab } from './netns-lab-spec.js';

const [kind, lab, servers, shareDir] = process.argv.slice(2);
if (kind === undefined || lab === undefined) {
  // tap's default file patterns pick up test/helpers/ too: without arguments this is not a test, and creates nothing
  process.stdout.write('1..0 # SKIP helper of backend-contract.test.ts, run by it with arguments\n');
} else {
  const n = Number(servers ?? 8);
  const [backend, spec]: [Backend, LabSpec] =
    kind === 'docker' ? [new DockerBackend(lab, { shareDir: shareDir!, buildImage: false }), dockerFarmLab(lab, n)] : [new NetnsBackend(lab), farmLab(lab, n)];
  process.stdout.write('start\n');
  await backend.create(spec);
  process.stdout.write('done\n');
}
