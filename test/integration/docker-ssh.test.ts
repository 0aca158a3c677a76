// Integration test of DOCKER_HOST=ssh://: the Docker backend through dockerode's ssh transport to a throwaway loopback sshd; never skips when CI=true.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { labObjects } from '../../src/backends/docker/clean.js';
import { closeDockerClient, engineIsLocal } from '../../src/backends/docker/client.js';
import { DockerBackend } from '../../src/backends/docker/docker-backend.js';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { run } from '../../src/backends/common/run.js';
import { ensureLabImage } from '../../src/backends/docker/image/build.js';
import { lab } from '../helpers/cli.js';
import { dockerSmallLab } from '../helpers/docker-lab-spec.js';

const LAB = 'tdssh1';
const SLOT = 5; // 10.78.11.0/24 and 10.78.12.0/24: apart from docker-backend.test.ts's labs
const SSHD = '/usr/sbin/sshd';
const CI = process.env.CI === 'true';
const local = new Docker({ socketPath: '/var/run/docker.sock' });

/** Why this suite cannot run here, or undefined. In CI a missing sshd is installed (the service is never started). */
async function cannotRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (sshd as root, the Docker socket)';
  if (process.env.DOCKER_HOST) return `DOCKER_HOST is set already (${process.env.DOCKER_HOST}); the suite needs the local engine behind its own sshd`;
  try {
    await local.ping();
  } catch (err) {
    return `no local Docker engine at /var/run/docker.sock: ${(err as Error).message}`;
  }
  const cli = await run('docker', ['version', '--format', '{{.Client.Version}}'], { timeoutMs: 20000 });
  if (cli.exitCode !== 0) return 'no docker CLI (the ssh transport runs `docker system dial-stdio` on the remote side)';
  if (!existsSync(SSHD) && CI) {
    // policy-rc.d (exit 101) keeps the package from starting the system ssh service; without it we do not install
    if (!existsSync('/usr/sbin/policy-rc.d')) return `${SSHD} is missing (add openssh-server to .ci/run's apt-get line)`;
    const apt = await run('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server'], { timeoutMs: 300_000 });
    if (apt.exitCode !== 0) return `apt-get install openssh-server failed: ${apt.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install openssh-server)`;
  for (const tool of ['ssh-keygen', 'ssh-agent', 'ssh-add']) {
    if ((await run('sh', ['-c', `command -v ${tool}`])).exitCode !== 0) return `${tool} is missing (apt-get install openssh-client)`;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ends a process we started, by its pid: SIGTERM, then SIGKILL; waits for it to be gone. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

const why = await cannotRun();
if (why && CI) {
  t.fail(`the DOCKER_HOST=ssh:// suite must run in CI, but ${why}`);
} else if (why) {
  t.plan(0, `skipping the DOCKER_HOST=ssh:// suite: ${why}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'olab-ssh-test-'));
  const sock = join(dir, 'agent.sock');
  let sshd: ChildProcess | undefined;
  let agent: ChildProcess | undefined;
  let sshdLog = '';
  let madePrivsepDir = false;

  t.before(async () => {
    const img = await ensureLabImage({ docker: local });
    t.comment(`node image ${img.tag} (${img.built ? 'built' : 'cached'})`);
    await new DockerBackend(LAB, { docker: local }).destroy();

    // throwaway keys: the server's host key and the client's key, authorised for root in this folder only
    for (const [file, comment] of [['host_key', 'olab-test-host'], ['id_ed25519', 'olab-test-client']] as const) {
      const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, file)]);
      if (r.exitCode !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
    }
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')), { mode: 0o600 });
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'AllowUsers root',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'AllowTcpForwarding no',
        'AllowAgentForwarding no',
        'X11Forwarding no',
        'PermitTunnel no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    // sshd refuses to start without its privilege separation folder (the system service's unit makes it)
    if (!existsSync('/run/sshd')) {
      mkdirSync('/run/sshd', { mode: 0o755 });
      madePrivsepDir = true;
    }
    sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port), '-o', 'ListenAddress=127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    sshd.stderr!.on('data', (b: Buffer) => (sshdLog += b.toString()));
    await waitFor(`sshd on 127.0.0.1:${port} (${sshdLog.trim()})`, async () => sshd!.exitCode === null && (await canConnect(port)));
    t.comment(`sshd pid ${sshd.pid} on 127.0.0.1:${port}`);

    // the transport authenticates through an agent (SSH_AUTH_SOCK) only
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    await waitFor('ssh-agent socket', () => existsSync(sock));
    const add = await run('sh', ['-c', 'SSH_AUTH_SOCK="$1" ssh-add -q "$2"', 'sh', sock, join(dir, 'id_ed25519')]);
    if (add.exitCode !== 0) throw new Error(`ssh-add: ${add.stderr}`);
    t.comment(`ssh-agent pid ${agent.pid}`);

    // from here on, this process's Docker client (src/backends/docker/client.ts) is made from these
    process.env.DOCKER_HOST = `ssh://root@127.0.0.1:${port}`;
    process.env.SSH_AUTH_SOCK = sock;
  });

  t.teardown(async () => {
    // whatever a failed subtest left, removed through the local socket (the sshd may be gone)
    await new DockerBackend(LAB, { docker: local }).destroy().catch(() => {});
    // this process's own ssh connection first: sshd's session for it would outlive sshd and keep both alive
    closeDockerClient();
    await stopChild(agent);
    await stopChild(sshd);
    if (madePrivsepDir) rmdirSync('/run/sshd');
    rmSync(dir, { recursive: true, force: true });
  });

  t.test('DOCKER_HOST=ssh://root@127.0.0.1:PORT: create a lab, exec in it, destroy it', async (t) => {
    const engine = await dockerAvailable(20000);
    t.ok(engine.ok, `the engine answers through ssh: ${engine.reason}`);
    t.match(engine.reason, /at ssh:\/\/root@127\.0\.0\.1:\d+/, 'and says where');
    t.notOk(engineIsLocal(), 'an ssh:// engine is not local: no host bind mounts, no host NOTRACK rules');

    const b = new DockerBackend(LAB, { buildImage: false });
    await b.create(dockerSmallLab(LAB, SLOT));
    const objects = await labObjects(LAB, local);
    t.same(objects.containers.map((c) => c.name).sort(), [`olab-${LAB}-h1`, `olab-${LAB}-h2`, `olab-${LAB}-h3`, `olab-${LAB}-r`], 'containers made through ssh');
    const info = await local.getContainer(`olab-${LAB}-h1`).inspect();
    t.same(info.HostConfig.Binds ?? [], [], 'no bind mounts with a remote engine');

    const addr = await b.exec('r', ['ip', '-br', 'addr']);
    t.equal(addr.exitCode, 0, 'exec through ssh');
    t.match(addr.stdout, /^eth1@\S+\s+UP\s+10\.78\.12\.1\/24/m, 'the setup script ran (stdin over the hijacked ssh stream): interfaces named as the spec says');
    const ping = await b.exec('h1', ['ping', '-c', '1', '-W', '2', '10.78.11.1'], { timeoutMs: 10000 });
    t.equal(ping.exitCode, 0, `h1 reaches r on network a${ping.exitCode ? `: ${ping.stdout}${ping.stderr}` : ''}`);
    const fail = await b.exec('h1', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    t.same(fail, { exitCode: 3, stdout: 'out\n', stderr: 'err\n' }, 'exit code and both streams come back');

    await b.destroy();
    t.same(await labObjects(LAB, local), { containers: [], networks: [] }, 'destroy leaves nothing');
    t.match(sshdLog, /Accepted publickey for root from 127\.0\.0\.1/, 'every call went through our sshd, with the agent\'s key');
  });

  t.test('DOCKER_HOST=ssh://: ./lab up, bench, kill (watchd follows its prober inside the router), logs, down', async (t) => {
    const name = 'tdssh2';
    const env = { DOCKER_HOST: process.env.DOCKER_HOST!, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK! };
    const file = join(dir, 'ssh-lab.yaml');
    writeFileSync(file, `name: ${name}\nscheme: routing\nservers: 3\nbackend: docker\nlan: 10.78.21.0/24\nclient: {link: 198.18.78.0/24}\n`);
    t.teardown(() => void lab(['down', '--name', name], env));
    const up = lab(['up', '-t', file], env);
    t.equal(up.code, 0, `lab up over ssh (${up.stderr.trim().split('\n').slice(-3).join(' | ')})`);
    const info = await local.getContainer(`olab-${name}-s0`).inspect();
    t.same(info.HostConfig.Binds ?? [], [], 'no bind mounts: the runtime was copied into the containers');
    const status = JSON.parse(lab(['status', '--name', name, '--json'], env).stdout) as { phase: string; backend: string };
    t.same([status.phase, status.backend], ['up', 'docker']);

    const bench = lab(['bench', '--name', name, '--duration', '2s', '--rate', '200', '--clients', '300', '--json'], env);
    t.equal(bench.code, 0, `bench over ssh: ${bench.stderr.slice(-300)}`);
    const r = JSON.parse(bench.stdout) as { requests: { sent: number; ok: number; errors: number }; mismatches: number; servers: Record<string, { requests: number }> };
    t.ok(r.requests.ok > 0 && r.requests.sent === r.requests.ok + r.requests.errors, `sent ${r.requests.sent} = ok ${r.requests.ok} + errors ${r.requests.errors}`);
    t.equal(r.mismatches, 0, 'every answer from the predicted server');
    t.same(Object.keys(r.servers).sort(), ['s0', 's1', 's2'], 'every server answered');

    const killedAt = Date.now();
    t.equal(lab(['kill', '--name', name, 's1'], env).code, 0, 'lab kill s1 over ssh');
    let reconfigured: { t: number; down?: string[] } | undefined;
    await waitFor('watchd to take s1 out', () => {
      const events = lab(['logs', '--name', name, 'watchd', '--json'], env).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: number; event: string; down?: string[] });
      reconfigured = events.find((e) => e.event === 'reconfigured' && e.t >= killedAt && (e.down ?? []).includes('s1'));
      return reconfigured !== undefined;
    }, 30000);
    t.comment(`over ssh, watchd took s1 out ${reconfigured!.t - killedAt} ms after the kill (its prober's rounds streamed from the router by a tail over ssh)`);
    const logs = lab(['logs', '--name', name, 's0-http'], env);
    t.equal(logs.code, 0, 'lab logs s0-http reads the log inside the container');
    t.match(logs.stdout, /s0/, `the server's own log: ${logs.stdout.slice(0, 120)}`);

    t.equal(lab(['down', '--name', name], env).code, 0, 'lab down over ssh');
    t.same(await labObjects(name, local), { containers: [], networks: [] }, 'nothing left');
  });
}
