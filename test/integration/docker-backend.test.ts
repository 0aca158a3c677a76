// Integration test of the Docker backend on a real engine (mirrors netns-backend.test.ts); never skips when CI=true.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError, type LabSpec } from '../../src/backends/backend.js';
import { cleanDockerLabs, labObjects, listDockerLabs } from '../../src/backends/docker/clean.js';
import { dockerClient } from '../../src/backends/docker/client.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { bridgedTrafficFiltered } from '../../src/backends/docker/host-notrack.js';
import { LABEL_LAB, LABEL_ROLE } from '../../src/backends/docker/names.js';
import { run } from '../../src/backends/common/run.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { dockerFarmLab, dockerSmallLab } from '../helpers/docker-lab-spec.js';
import { checkAddresses, checkExecContract, checkForwarding, checkLinkDownUp, NODE, pidAlive, serverArgv, tcpHello, waitFor } from '../helpers/backend-checks.js';

/** Docker is slower to start things: a longer wait, polled less often. */
const waitForDocker = (what: string, fn: () => Promise<boolean>): Promise<void> => waitFor(what, fn, 20000, 100);

const LABS = ['tdb1', 'tdb2', 'tdb3'];

const engine = await dockerAvailable(5000);

/** Host pids of every process in the lab's containers (docker top). */
async function hostPids(lab: string): Promise<number[]> {
  const docker = dockerClient();
  const pids: number[] = [];
  for (const c of (await labObjects(lab)).containers) {
    const top = await docker.getContainer(c.id).top({ ps_args: '-o pid' }).catch(() => ({ Processes: [] as string[][] }));
    for (const row of top.Processes ?? []) pids.push(Number(row[0]));
  }
  return pids.filter((p) => Number.isInteger(p) && p > 0);
}

/** The lab's NOTRACK rules in the host's raw table. */
async function hostRules(lab: string): Promise<string[]> {
  const r = await run('iptables', ['-w', '-t', 'raw', '-S', 'PREROUTING']);
  return r.stdout.split('\n').filter((l) => l.includes(`"oneip-lab:${lab}"`));
}

/** Containers, networks and host rules of the lab that still exist. */
async function nothingLeft(lab: string): Promise<string[]> {
  const o = await labObjects(lab);
  return [...o.containers, ...o.networks].map((x) => x.name).concat(await hostRules(lab));
}

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

  t.test('small lab: labels, addresses, sysctls, no way out, exec, processes, links, destroy', async (t) => {
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

    await checkAddresses(t, b, '10.78');

    const sysctl = async (node: string, path: string) => (await b.exec(node, ['cat', `/proc/sys/${path}`])).stdout.trim();
    t.equal(await sysctl('r', 'net/ipv4/ip_forward'), '1', 'router forwards');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth1/send_redirects'), '0', 'per-interface sysctl on a later interface');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth0/arp_announce'), '2', 'per-interface sysctl on the first interface');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth1/arp_announce'), '0', 'and only there');
    t.equal(await sysctl('h1', 'net/ipv4/ip_forward'), '0', 'hosts do not forward');
    t.equal(await sysctl('h1', 'net/ipv6/conf/all/disable_ipv6'), '1', 'IPv6 off');
    t.equal(await sysctl('h1', 'net/ipv6/conf/eth0/disable_ipv6'), '1', 'IPv6 off on the lab interface');

    // nothing leaves the lab: Docker's default route and DNS are gone
    for (const node of ['h1', 'r']) {
      t.notMatch((await b.exec(node, ['ip', 'route'])).stdout, /default/, `${node}: no default route`);
      const get = await b.exec(node, ['ip', 'route', 'get', '192.0.2.1']);
      t.not(get.exitCode, 0, `${node}: ip route get 192.0.2.1 fails`);
      t.match(get.stderr, /unreachable/i);
    }
    t.equal((await b.exec('h1', ['nft', 'list', 'ruleset'])).stdout.trim(), '', "Docker's DNS NAT rules are gone");
    t.notMatch((await b.exec('h1', ['cat', '/etc/resolv.conf'])).stdout, /nameserver/, 'no name server');

    await checkExecContract(t, b);
    const script = await b.exec('h1', ['sh', '-e'], { input: 'echo one\necho two >&2\nfalse\necho three\n' });
    t.same(script, { exitCode: 1, stdout: 'one\n', stderr: 'two\n' }, 'a plan-style sh -e script stops at the first failure');
    t.equal((await b.exec('h1', ['no-such-program'])).exitCode, 127, 'a missing program is exit 127');
    const big = await b.exec('h1', ['sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x']);
    t.equal(big.stdout.length, 1000000, 'large output arrives whole');

    const [s2] = await checkForwarding(t, b, '10.78', logDir, waitForDocker);
    if (existsSync('/proc/net/nf_conntrack')) {
      const tracked = readFileSync('/proc/net/nf_conntrack', 'utf8').split('\n').filter((l) => / src=10\.78\.1\.10 .*dport=7070/.test(l));
      t.same(tracked, [], "the host's conntrack does not track lab connections");
    }
    await t.rejects(b.spawn('h1', 'x', ['true'], { logDir: join(tmpdir(), 'elsewhere') }), /not inside/, 'logs must be in the shared folder');
    await checkLinkDownUp(t, b, '10.78', waitForDocker);

    t.equal(await b.isRunning({ ...s2, startTime: '1' }), false, 'start time must match');

    const sleeper = await b.spawn('h1', 'sleep', ['sleep', '300'], { logDir });
    t.equal(await b.isRunning(sleeper), true, 'sleep 300 running');
    await b.stop(sleeper, 2000);
    t.equal(await b.isRunning(sleeper), false, 'stopped');
    await b.stop(sleeper); // stopping twice is fine

    const trapper = await b.spawn('h1', 'stubborn', ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'], { logDir });
    await waitForDocker('trap installed', async () => readFileSync(trapper.logFile, 'utf8').includes('ready'));
    t.pass('the log file is readable on the host');
    const t0 = Date.now();
    await b.stop(trapper, 300);
    t.equal(await b.isRunning(trapper), false, 'SIGTERM-ignoring process killed after the timeout');
    t.ok(Date.now() - t0 >= 300, 'waited the timeout first');
    await t.rejects(b.spawn('h1', 'gone', ['/no/such/binary'], { logDir }), /exited at once|not found/, 'a command that cannot start is an error');

    const keep = await b.spawn('h1', 'sleep2', ['sleep', '300'], { logDir });
    await t.rejects(b.create(dockerSmallLab('tdb1')), /already exists/, 'creating an existing lab fails');
    const inLab = await hostPids('tdb1');
    t.ok(inLab.length >= 8, `host pids inside the lab before destroy: ${inLab.join(' ')}`);
    await b.destroy();
    t.same(inLab.filter(pidAlive), [], 'every process that was inside the lab is gone');
    t.same(await nothingLeft('tdb1'), [], 'no container or network with the label remains');
    t.notOk((await listDockerLabs()).includes('tdb1'));
    t.equal(await b.isRunning(keep), false);
    await b.stop(keep);
    t.pass('stopping a process of a removed lab is fine');
    await t.rejects(b.exec('h1', ['true']), /missing/, 'exec in a removed lab says the container is missing');
    await b.destroy();
    t.pass('destroy twice is fine');
    await backend('tdb2').destroy();
    t.pass('destroy of a lab that never existed is fine');
  });

  t.test('bad specs create nothing', async (t) => {
    const b = backend('tdb1');
    const spec = dockerSmallLab('tdb1');
    spec.nodes[0]!.interfaces[0]!.network = 'zz';
    await t.rejects(b.create(spec), /unknown network zz/);
    const spec2 = dockerSmallLab('tdb1');
    spec2.nodes[1]!.sysctls = { 'net.ipv4.ip_forward': "1'; reboot; '" };
    await t.rejects(b.create(spec2), /invalid value for sysctl/);
    await t.rejects(b.create(dockerSmallLab('tdb2')), /spec is for lab "tdb2"/);
    t.throws(() => new DockerBackend('Bad-Name'), BackendError);
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

    const spec3 = dockerSmallLab('tdb1');
    spec3.nodes[0]!.sysctls = { 'net.ipv4.no_such_knob': '1' };
    await t.rejects(b.create(spec3), /no_such_knob/, 'a failing sysctl names the key');
    const left = await labObjects('tdb1');
    t.ok([...left.containers, ...left.networks].every((o) => o.name.startsWith('olab-tdb1-')), 'a failed create leaves only prefixed, labelled objects');
    await b.destroy();
    t.same(await nothingLeft('tdb1'), []);
  });

  t.test('two labs side by side; overlapping subnets are refused clearly', async (t) => {
    const b1 = backend('tdb1');
    const b2 = backend('tdb2');
    await Promise.all([b1.create(dockerSmallLab('tdb1', 0)), b2.create(dockerSmallLab('tdb2', 1))]);
    const labs = await listDockerLabs();
    t.ok(labs.includes('tdb1') && labs.includes('tdb2'), 'both listed');
    await t.rejects(backend('tdb3').create(dockerSmallLab('tdb3', 0)), /overlaps Docker network olab-tdb1-a .* of lab tdb1/, 'same subnets as a running lab');
    t.same(await nothingLeft('tdb3'), [], 'the refused lab created nothing');
    const p1 = await b1.spawn('h2', 'tcp', serverArgv('lab1'), { logDir });
    const p2 = await b2.spawn('h2', 'tcp', serverArgv('lab2'), { logDir: join(logDir, 'lab2') });
    await waitForDocker('lab1 server', async () => (await tcpHello(b1, 'h1', '10.78.1.11')) === 'hi from lab1');
    await waitForDocker('lab2 server', async () => (await tcpHello(b2, 'h1', '10.78.3.11')) === 'hi from lab2');
    t.pass('each lab reaches its own server');
    t.equal(await tcpHello(b1, 'h1', '10.78.3.11', 500), '', 'lab 1 cannot reach lab 2');
    await b1.destroy();
    t.same(await nothingLeft('tdb1'), []);
    t.equal(await b2.isRunning(p2), true, 'the other lab keeps running');
    t.equal(await b1.isRunning(p1), false);
    t.equal(await tcpHello(b2, 'h1', '10.78.3.11'), 'hi from lab2');
    t.equal((await labObjects('tdb2')).containers.length, 4);
    await b2.destroy();
    t.same(await nothingLeft('tdb2'), []);
  });

  t.test('kill and revive hooks: the container stops, then comes back wired as before', async (t) => {
    const b = backend('tdb1');
    await b.create(dockerSmallLab('tdb1'));
    await b.kill('r');
    await t.rejects(b.exec('r', ['true']), /not running/, 'a killed node refuses exec');
    await b.kill('r');
    t.pass('killing twice is fine');
    await b.revive('r');
    const r = (await b.exec('r', ['ip', '-br', 'addr'])).stdout;
    t.match(r, /^eth0@\S+\s+UP\s+10\.78\.1\.1\/24/m, 'eth0 back');
    t.match(r, /^eth1@\S+\s+UP\s+10\.78\.2\.1\/24/m, 'eth1 back');
    t.notMatch((await b.exec('r', ['ip', 'route'])).stdout, /default/, 'still no default route');
    t.equal((await b.exec('r', ['cat', '/proc/sys/net/ipv4/conf/eth1/send_redirects'])).stdout.trim(), '0', 'later interface sysctl back');
    t.equal((await b.exec('r', ['cat', '/proc/sys/net/ipv4/conf/eth0/arp_announce'])).stdout.trim(), '2', 'first interface sysctl back');
    await b.destroy();
  });

  t.test('a creation killed with SIGKILL leaves only what clean removes', async (t) => {
    const child = fileURLToPath(new URL('../helpers/docker-create-child.ts', import.meta.url));
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
    for (const delayMs of [0, 100, 300, 700, 1500, 3000]) {
      const proc = spawn(NODE, [...loader, child, 'tdb3', '8', shareDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      });
      const exited = new Promise((r) => proc.on('exit', r));
      let out = '';
      let err = '';
      proc.stderr.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', (d) => {
          out += d;
          if (out.includes('start')) resolve();
        });
        void exited.then(() => reject(new Error(`child exited before starting: ${err}`)));
      });
      await new Promise((r) => setTimeout(r, delayMs));
      proc.kill('SIGKILL');
      await exited;
      const before = await labObjects('tdb3');
      const finished = out.includes('done') ? ' (creation had finished)' : '';
      t.comment(`killed ${delayMs} ms after start: ${before.networks.length} networks, ${before.containers.length} containers${finished}`);
      t.ok([...before.containers, ...before.networks].every((o) => o.name.startsWith('olab-tdb3-')), 'only prefixed names exist');
      const cleaned = await cleanDockerLabs(['tdb3']);
      if (before.networks.length > 0) t.same(cleaned, ['tdb3'], 'clean reports the lab it removed');
      t.same(await nothingLeft('tdb3'), [], `nothing left after clean, host rules included (kill at ${delayMs} ms)`);
      await new Promise((r) => setTimeout(r, 300));
      t.same(await nothingLeft('tdb3'), [], 'still nothing 300 ms later');
    }
  });

  t.test('farms of 4 and 16 servers: create and destroy times', async (t) => {
    for (const servers of [4, 16]) {
      const spec: LabSpec = dockerFarmLab('tdb1', servers);
      const b = backend('tdb1');
      const t0 = performance.now();
      await b.create(spec);
      const created = performance.now() - t0;
      t.match((await b.exec(`s${servers - 1}`, ['ip', '-br', 'addr', 'show', 'lan'])).stdout, new RegExp(`10\\.79\\.1\\.${9 + servers}/24`));
      t.equal((await b.exec('s0', ['cat', '/proc/sys/net/ipv4/conf/lan/arp_ignore'])).stdout.trim(), '1', 'server arp_ignore on lan');
      t.equal((await b.exec('router', ['cat', '/proc/sys/net/ipv4/conf/lan/arp_ignore'])).stdout.trim(), '0', 'router untouched');
      const t1 = performance.now();
      await b.destroy();
      const destroyed = performance.now() - t1;
      t.comment(`${servers} servers + client, router, dispatcher: create ${(created / 1000).toFixed(1)} s, destroy ${(destroyed / 1000).toFixed(1)} s`);
      t.ok(created < 120_000, 'created within two minutes');
      t.same(await nothingLeft('tdb1'), []);
    }
  });
}
