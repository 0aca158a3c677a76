// Integration test of what only the Docker backend has, on a real engine (labels, networks, host rules, no way out, its refusals); the shared contract is backend-contract.test.ts. Never skips when CI=true.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanDockerLabs, labObjects, listDockerLabs } from '../../src/backends/docker/clean.js';
import { dockerClient } from '../../src/backends/docker/client.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { bridgedTrafficFiltered } from '../../src/backends/docker/host-notrack.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { LABEL_LAB, LABEL_ROLE } from '../../src/backends/docker/names.js';
import { dockerLeftovers as nothingLeft, hostRules } from '../helpers/backend-cases.js';
import { dockerSmallLab } from '../helpers/docker-lab-spec.js';
import { serverArgv, tcpHello, waitFor } from '../helpers/backend-checks.js';

/** Docker is slower to start things: a longer wait, polled less often. */
const waitForDocker = (what: string, fn: () => Promise<boolean>): Promise<void> => waitFor(what, fn, 20000, 100);

const LABS = ['tdb1', 'tdb3'];

const engine = await dockerAvailable(5000);

if (!engine.ok && process.env.CI === 'true') {
  // CI installs and starts an engine (scripts/ensure-docker.sh): not finding one there is a failure, never a skip
  t.fail(`the Docker backend suite must run in CI, but ${engine.reason}`);
} else if (!engine.ok) {
  t.plan(0, `skipping the Docker backend suite: ${engine.reason}`);
} else {
  const shareDir = mkdtempSync(join(tmpdir(), 'olab-docker-test-'));
  const logDir = join(shareDir, 'logs');
  const backend = (lab: string): DockerBackend => new DockerBackend(lab, { shareDir });
  t.comment(engine.reason);

  t.before(async () => {
    await cleanDockerLabs(LABS);
    const img = await ensureLabImage();
    t.comment(`node image ${img.tag}: ${img.built ? `built (${img.method}) in ${img.seconds.toFixed(1)} s` : `cached (${(img.seconds * 1000).toFixed(0)} ms)`}`);
  });
  t.teardown(async () => {
    await cleanDockerLabs(LABS);
    rmSync(shareDir, { recursive: true, force: true });
  });

  t.afterEach(async () => {
    // a failed subtest must not leave its lab to the next one
    await cleanDockerLabs(LABS);
  });

  t.test('Docker objects: labels, capabilities, networks, host rules, no way out, the shared log folder; overlaps refused; a killed container refuses exec', async (t) => {
    const b = backend('tdb1');
    t.equal(b.kind, 'docker');
    await b.create(dockerSmallLab('tdb1'));
    const objects = await labObjects('tdb1');
    t.same(objects.containers.map((c) => c.name).sort(), ['olab-tdb1-h1', 'olab-tdb1-h2', 'olab-tdb1-h3', 'olab-tdb1-r']);
    t.same(objects.networks.map((n) => n.name).sort(), ['olab-tdb1-a', 'olab-tdb1-b']);
    t.ok((await listDockerLabs()).includes('tdb1'), 'listDockerLabs shows the lab');
    const docker = dockerClient();
    const r0 = await docker.getContainer('olab-tdb1-r').inspect();
    t.equal(r0.Config.Labels[LABEL_LAB], 'tdb1', 'container labelled with the lab');
    t.equal(r0.Config.Labels[LABEL_ROLE], 'router', 'container labelled with its role');
    t.same(r0.HostConfig.CapAdd?.sort(), ['NET_ADMIN', 'NET_RAW'], 'NET_ADMIN and NET_RAW only');
    t.equal(r0.HostConfig.Privileged, false, 'never privileged');
    const na = await docker.getNetwork('olab-tdb1-a').inspect();
    t.equal(na.Labels?.[LABEL_LAB], 'tdb1', 'network labelled with the lab');
    t.equal(na.Options?.['com.docker.network.bridge.enable_ip_masquerade'], 'false', 'no masquerading');
    t.same(na.IPAM?.Config?.[0], { Subnet: '10.78.1.0/24', Gateway: '10.78.1.254' }, 'fixed subnet, gateway .254');
    const rules = await hostRules('tdb1');
    if (await bridgedTrafficFiltered()) {
      t.equal(rules.length, 2, 'bridged traffic meets the host iptables: one host NOTRACK rule per lab bridge');
      t.match(rules.join('\n'), new RegExp(`-i br-${na.Id.slice(0, 12)} .*-j NOTRACK`), 'on the lab bridge only');
    } else {
      t.same(rules, [], 'bridged traffic bypasses the host iptables: no host rule needed');
    }

    // nothing leaves the lab: Docker's default route and DNS are gone
    for (const node of ['h1', 'r']) {
      t.notMatch((await b.exec(node, ['ip', 'route'])).stdout, /default/, `${node}: no default route`);
      const get = await b.exec(node, ['ip', 'route', 'get', '192.0.2.1']);
      t.not(get.exitCode, 0, `${node}: ip route get 192.0.2.1 fails`);
      t.match(get.stderr, /unreachable/i);
    }
    t.equal((await b.exec('h1', ['nft', 'list', 'ruleset'])).stdout.trim(), '', "Docker's DNS NAT rules are gone");
    t.notMatch((await b.exec('h1', ['cat', '/etc/resolv.conf'])).stdout, /nameserver/, 'no name server');
    t.equal((await b.exec('h1', ['no-such-program'])).exitCode, 127, 'a missing program is exit 127');

    const s2 = await b.spawn('h2', 'tcp', serverArgv('h2'), { logDir });
    await waitForDocker('h2 server', async () => (await tcpHello(b, 'h1', '10.78.1.11')) === 'hi from h2');
    if (existsSync('/proc/net/nf_conntrack')) {
      const tracked = readFileSync('/proc/net/nf_conntrack', 'utf8').split('\n').filter((l) => / src=10\.78\.1\.10 .*dport=7070/.test(l));
      t.same(tracked, [], "the host's conntrack does not track lab connections");
    }
    await t.rejects(b.spawn('h1', 'x', ['true'], { logDir: join(tmpdir(), 'elsewhere') }), /not inside/, 'logs must be in the shared folder');
    const writer = await b.spawn('h1', 'writer', ['sh', '-c', 'echo ready; exec sleep 300'], { logDir });
    await waitForDocker('the log on the host', async () => existsSync(writer.logFile) && readFileSync(writer.logFile, 'utf8').includes('ready'));
    t.pass('the log file is readable on the host');
    await t.rejects(b.spawn('h1', 'gone', ['/no/such/binary'], { logDir }), /exited at once|not found/, 'a command that cannot start is an error');

    await t.rejects(backend('tdb3').create(dockerSmallLab('tdb3', 0)), /overlaps Docker network olab-tdb1-a .* of lab tdb1/, 'same subnets as a running lab');
    t.same(await nothingLeft('tdb3'), [], 'the refused lab created nothing');

    await b.kill('r');
    await t.rejects(b.exec('r', ['true']), /not running/, 'a killed node refuses exec');
    t.equal(await b.isRunning(s2), true, 'the other containers keep running');
    await b.destroy();
    t.same(await nothingLeft('tdb1'), [], 'no container, network or host rule of the lab remains');
  });

  t.test('Docker-only refusals create nothing: the gateway address, an address outside its network, per-interface sysctls that clash', async (t) => {
    const b = backend('tdb1');
    const spec4 = dockerSmallLab('tdb1');
    spec4.nodes[0]!.interfaces[0]!.address = '10.78.1.254/24';
    await t.rejects(b.create(spec4), /Docker's gateway/, 'the gateway address (.254) is refused');
    const spec5 = dockerSmallLab('tdb1');
    spec5.nodes[0]!.interfaces[0]!.address = '10.78.9.10/24';
    await t.rejects(b.create(spec5), /outside network a/);
    const spec6 = dockerSmallLab('tdb1');
    spec6.nodes[2]!.sysctls = { 'net.ipv4.conf.eth1.rp_filter': '2', 'net.ipv4.conf.default.rp_filter': '0' };
    await t.rejects(b.create(spec6), /cannot both hold/, 'a per-interface value that clashes with default is refused');
    t.same(await nothingLeft('tdb1'), [], 'nothing was created by the refused specs');
  });
}
