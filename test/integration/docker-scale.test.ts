// Integration test of the Docker backend's addNodes/removeNodes (issue 11's contract) on a real engine: added nodes reach the LAN, removed ones are gone race-free, destroy() leaves nothing.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanDockerLabs, labObjects } from '../../src/backends/docker/clean.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { dockerLeftovers } from '../helpers/backend-cases.js';
import { dockerNets, dockerSmallLab } from '../helpers/docker-lab-spec.js';
import { testLabName } from '../helpers/cli.js';

const LAB = testLabName('d13a');
const engine = await dockerAvailable(5000);

if (!engine.ok) {
  t.plan(0, `skipping: ${engine.reason}`);
} else {
  const shareDir = mkdtempSync(join(tmpdir(), `olab-${LAB}-`));
  const b = new DockerBackend(LAB, { shareDir });
  const { a } = dockerNets(3);
  const ping = async (node: string, ip: string): Promise<number> => (await b.exec(node, ['ping', '-c', '1', '-W', '2', ip])).exitCode;

  t.before(async () => {
    await cleanDockerLabs([LAB]);
    await ensureLabImage();
  });
  t.afterEach(async () => {
    await cleanDockerLabs([LAB]);
  });
  t.teardown(async () => {
    await cleanDockerLabs([LAB]);
    rmSync(shareDir, { recursive: true, force: true });
  });

  t.test('addNodes joins the LAN; removeNodes takes exactly those nodes away; destroy leaves nothing', async (t) => {
    await b.create(dockerSmallLab(LAB, 3));
    await b.addNodes([
      { name: 'n1', role: 'server', interfaces: [{ name: 'lan', network: 'a', address: `${a}.20/24` }], sysctls: {} },
      { name: 'n2', role: 'server', interfaces: [{ name: 'lan', network: 'a', address: `${a}.21/24` }], sysctls: { 'net.ipv4.conf.lan.arp_ignore': '1' } },
    ]);
    const names = (await labObjects(LAB)).containers.map((c) => c.name).sort();
    t.same(names, [`olab-${LAB}-h1`, `olab-${LAB}-h2`, `olab-${LAB}-h3`, `olab-${LAB}-n1`, `olab-${LAB}-n2`, `olab-${LAB}-r`], 'added containers carry the lab label');
    t.equal(await ping('n1', `${a}.10`), 0, 'n1 reaches h1 by address');
    t.equal(await ping('n2', `${a}.10`), 0, 'n2 reaches h1 by address');
    t.equal(await ping('h1', `${a}.21`), 0, 'h1 reaches n2');
    const ifs = await b.exec('n2', ['sh', '-c', 'ip -o -4 addr show dev lan; cat /proc/sys/net/ipv4/conf/lan/arp_ignore']);
    t.match(ifs.stdout, `${a}.21/24`, 'interface named and addressed as the spec says');
    t.match(ifs.stdout, /\n1\s*$/, 'its sysctl set');
    await t.rejects(b.addNodes([{ name: 'n1', role: 'server', interfaces: [{ name: 'lan', network: 'a', address: `${a}.22/24` }], sysctls: {} }]), /has this node already/);

    await b.removeNodes(['n1', 'n9']); // n9 never existed: fine
    const after = (await labObjects(LAB)).containers.map((c) => c.name);
    t.notOk(after.includes(`olab-${LAB}-n1`), 'n1 removed');
    t.ok(after.includes(`olab-${LAB}-n2`), 'n2 kept');
    t.not(await ping('h1', `${a}.20`), 0, 'n1 answers no more');
    t.equal(await ping('h1', `${a}.21`), 0, 'n2 still answers');
    await b.removeNodes(['n1']);

    await b.destroy();
    t.same(await dockerLeftovers(LAB), [], 'destroy leaves nothing');
  });

  t.test('kill waits until the container exited and released its endpoints; revive brings it back', async (t) => {
    await b.create(dockerSmallLab(LAB, 3));
    await Promise.all([b.kill('h1'), b.kill('h2')]);
    const docker = (await import('../../src/backends/docker/client.js')).dockerClient();
    for (const c of [`olab-${LAB}-h1`, `olab-${LAB}-h2`]) {
      const info = await docker.getContainer(c).inspect();
      t.equal(info.State.Running, false, `${c} stopped`);
      t.same(
        Object.values(info.NetworkSettings.Networks).map((n) => n.EndpointID),
        [''],
        `${c} holds no endpoint when kill returns`,
      );
    }
    await Promise.all([b.revive('h1'), b.revive('h2')]);
    t.equal(await ping('h1', `${a}.11`), 0, 'revived h1 reaches revived h2');
    await b.destroy();
    t.same(await dockerLeftovers(LAB), [], 'nothing left');
  });
}
