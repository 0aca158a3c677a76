// Integration test of the Docker backend setting itself up and failing fast, against fake engines only (no real one is touched): `backend: auto` saying what it took and why, doctor and `up --backend docker` on a deadlocked engine, `images build` auto building offline when no registry answers, ensure-docker.sh --restart stopping only its own dockerd.
import t from 'tap';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRecipe } from '../../src/backends/docker/image/recipe.js';
import { fakeEngine } from '../helpers/fake-docker.js';
import { isRoot, labAsync, leftovers, ROOT, testLabName } from '../helpers/cli.js';

const AUTO = testLabName('s13a');
const STUCK = testLabName('s13b');
const UP = testLabName('s13c');

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then closed): a machine with no registry. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function topologyFile(dir: string, backend: string): string {
  const file = join(dir, `lab-${backend}.yaml`);
  writeFileSync(file, `name: s13\nscheme: routing\nservers: 2\nbackend: ${backend}\nwatchd: {enabled: false}\n`);
  return file;
}

function backendLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('backend: '));
}

if (!isRoot) {
  t.plan(0, 'skipping: needs root (network namespaces, iptables, apt)');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'olab-setup-'));
  // br_netfilter on: bridged packets meet the host's iptables
  const brOn = existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables') && readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1';
  t.teardown(async () => {
    for (const name of [AUTO, STUCK, UP]) await labAsync(['down', '--name', name]);
    rmSync(dir, { recursive: true, force: true });
  });

  t.test('backend auto with no engine takes netns and says why in one line', async (t) => {
    const noEngine = { DOCKER_HOST: `unix://${join(dir, 'nothing.sock')}` };
    const up = await labAsync(['up', '-t', topologyFile(dir, 'auto'), '--name', AUTO], noEngine);
    t.equal(up.code, 0, `up: ${up.stderr.trim().split('\n').pop()}`);
    t.same(backendLines(up.stderr), ['backend: netns (no Docker engine answers; --backend docker sets one up)'], 'one line: the backend and why');
    const status = await labAsync(['status', '--name', AUTO, '--json'], noEngine);
    t.equal((JSON.parse(status.stdout) as { backend: string }).backend, 'netns', 'the lab runs on netns');
    const down = await labAsync(['down', '--name', AUTO], noEngine);
    t.equal(down.code, 0, 'down');
    t.same(leftovers(AUTO), [], 'nothing left');
  });

  t.test('backend auto on an engine that answers pings but no network listing (moby/moby#46661) takes netns and says why; its down never asks the engine', async (t) => {
    const engine = await fakeEngine(t, { networks: 'silent' });
    const env = { DOCKER_HOST: engine.host };
    const up = await labAsync(['up', '-t', topologyFile(dir, 'auto'), '--name', STUCK], env);
    t.equal(up.code, 0, `up: ${up.stderr.trim().split('\n').pop()}`);
    const lines = backendLines(up.stderr);
    t.equal(lines.length, 1, 'one backend line');
    t.match(lines[0] ?? '', /^backend: netns \(the Docker engine answers pings but no network listing within 5000 ms; bash scripts\/ensure-docker\.sh --restart/, 'netns, and why');
    t.ok(engine.requests.includes('GET /networks'), 'it asked for the network listing');
    t.same(engine.requests.filter((r) => !r.startsWith('GET ') && !r.startsWith('HEAD ')), [], 'nothing created on the engine');
    const asked = engine.requests.length;
    const down = await labAsync(['down', '--name', STUCK], env);
    t.equal(down.code, 0, `down of the netns lab: ${down.stderr.trim()}`);
    t.equal(engine.requests.length, asked, 'down of a netns lab made no engine call');
    t.same(leftovers(STUCK), [], 'nothing left');
  });

  t.test('doctor on a deadlocked engine: the network listing fails within its deadline, with the cause and the fix; the host FORWARD chain and br_netfilter shown', async (t) => {
    const engine = await fakeEngine(t, { networks: 'silent' });
    const r = await labAsync(['doctor'], { DOCKER_HOST: engine.host });
    const row = (name: string): string => r.stdout.split('\n').find((l) => l.includes(name)) ?? '';
    t.match(row('docker engine (docker backend)'), /ok.*Docker 20\.10\.24 \(API 1\.41\)/, 'the engine answers pings');
    const listing = row('docker engine answers network calls');
    t.match(listing, /missing \(optional\)/, 'network listing: not ok');
    t.match(listing, 'Docker API call GET /networks got no answer', 'names the call');
    t.match(listing, 'within 5000 ms', 'its deadline');
    t.match(listing, 'moby/moby#46661', 'the known cause');
    t.match(listing, 'scripts/ensure-docker.sh --restart', 'the fix');
    const policy = /^-P FORWARD (\S+)/m.exec(spawnSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8' }).stdout)?.[1];
    const fw = row('host FORWARD chain, br_netfilter');
    t.match(fw, `FORWARD policy ${policy}`, "the host's FORWARD policy");
    t.match(fw, brOn ? 'br_netfilter on' : 'br_netfilter off', 'br_netfilter as /proc says');
  });

  t.test('up --backend docker on a deadlocked engine fails at once: the call, the cause, the fix, exit 1, nothing created', async (t) => {
    const engine = await fakeEngine(t, { networks: 'silent' });
    const r = await labAsync(['up', '-t', topologyFile(dir, 'docker'), '--name', UP, '--backend', 'docker'], { DOCKER_HOST: engine.host });
    t.equal(r.code, 1, `exit 1: ${r.stderr.trim().split('\n').pop()}`);
    t.match(r.stderr, 'Docker API call GET /networks got no answer', 'names the call');
    t.match(r.stderr, 'stopped answering', 'says the engine stopped answering');
    t.match(r.stderr, 'scripts/ensure-docker.sh --restart', 'the fix');
    t.same(engine.requests.filter((q) => q.startsWith('POST ') || q.startsWith('DELETE ')), [], 'nothing created or removed on the engine');
    t.same(leftovers(UP), [], 'no state folder, no namespace');
  });

  t.test('images build (method auto) with no mmdebstrap and no registry: mmdebstrap installed with apt, then the offline build', async (t) => {
    // this machine has mmdebstrap: a PATH of links to every program but it, and an apt-get that "installs" it
    const farm = join(dir, 'bin');
    mkdirSync(farm);
    for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      if (!existsSync(d)) continue;
      for (const name of readdirSync(d)) {
        if (name === 'mmdebstrap' || name === 'apt-get' || existsSync(join(farm, name))) continue;
        symlinkSync(join(d, name), join(farm, name));
      }
    }
    const aptLog = join(dir, 'apt-get.calls');
    const mmArgs = join(dir, 'mmdebstrap.args');
    const fakeMm = join(dir, 'fake-mmdebstrap');
    // the offline build's first step is all this test needs to see; the whole build is what `lab demo` times
    writeFileSync(fakeMm, `#!/bin/sh\nprintf '%s\\n' "$@" > '${mmArgs}'\necho 'fake mmdebstrap: the test stops the build here' >&2\nexit 3\n`);
    chmodSync(fakeMm, 0o755);
    writeFileSync(
      join(farm, 'apt-get'),
      `#!/bin/sh\necho "$*" >> '${aptLog}'\ncase " $* " in *" install "*" mmdebstrap"*) cp '${fakeMm}' '${join(farm, 'mmdebstrap')}' ;; esac\nexit 0\n`,
    );
    chmodSync(join(farm, 'apt-get'), 0o755);
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const engine = await fakeEngine(t, { networks: 'empty' });
    const registry = `http://127.0.0.1:${await closedPort()}/v2/`;
    const r = await labAsync(['images', 'build'], { DOCKER_HOST: engine.host, OLAB_REGISTRY_URL: registry, PATH: farm, TMPDIR: tmp, CI: '' });

    const recipe = loadRecipe(join(ROOT, 'images'));
    const steps = r.stderr.split('\n').filter((l) => l.startsWith('lab: '));
    const at = (text: string): number => steps.findIndex((l) => l.includes(text));
    t.ok(at(`no registry answers (${registry}): building offline with mmdebstrap`) >= 0, 'no registry: offline, said as a step line');
    t.ok(at('installing mmdebstrap with apt-get') > at('no registry answers'), 'then mmdebstrap installed');
    t.match(readFileSync(aptLog, 'utf8'), /install .*mmdebstrap/, 'by apt-get install mmdebstrap');
    t.ok(at(`node image ${recipe.tag}: no registry answers: mmdebstrap installed, offline build`) > at('installing mmdebstrap'), 'the method chosen, and why');
    t.ok(at(`mmdebstrap: ${recipe.packages.length} packages into a bookworm minbase`) > at('offline build'), 'the first step of the offline build');
    const args = readFileSync(mmArgs, 'utf8').trim().split('\n');
    t.ok(args.includes('--variant=minbase') && args.includes(`--include=${recipe.packages.join(',')}`) && args.includes('bookworm'), 'mmdebstrap ran with the recipe: minbase, its packages, bookworm');
    t.match(args.at(-1) ?? '', /rootfs\.tar$/, 'into a tarball for docker import');
    t.equal(r.code, 1, 'the stopped build fails, exit 1');
    t.match(r.stderr, 'fake mmdebstrap: the test stops the build here', "with mmdebstrap's last words");
    t.same(engine.requests.filter((q) => q === 'POST /build' || q === 'POST /images/create'), [], 'no docker build, no pull');
    t.same(readdirSync(tmp), [], 'its temporary folder removed');
  });

  t.test("bridged traffic meets the host's iptables and no root to add the lab's accepts: refused at once, with the reason and the fix", async (t) => {
    // the host as ufw leaves it (br_netfilter on, FORWARD DROP) for the moment of the check, then as it was
    const sysctl = '/proc/sys/net/bridge/bridge-nf-call-iptables';
    spawnSync('modprobe', ['br_netfilter']);
    const policy = /^-P FORWARD (\S+)/m.exec(spawnSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' }).stdout)?.[1] ?? 'ACCEPT';
    const bridged = readFileSync(sysctl, 'utf8').trim();
    let r: SpawnSyncReturns<string> | undefined;
    try {
      writeFileSync(sysctl, '1');
      spawnSync('iptables', ['-w', '-P', 'FORWARD', 'DROP']);
      // the check `up` makes before creating anything (the built module ./lab runs), in a process that is not root to it:
      // getuid answers 65534, while the host's state is read for real (a real user nobody could not read a checkout in a
      // folder of mode 700, as CI's fresh clone is, nor tap's loader: NODE_OPTIONS is left out)
      const script = `process.getuid = () => 65534; import(${JSON.stringify(join(ROOT, 'dist/src/backends/docker/host-rules.js'))}).then((m) => m.checkForwardAllowed('${UP}')).then(() => console.log('allowed'), (e) => console.log(e.message))`;
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS'));
      r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000, env });
    } finally {
      spawnSync('iptables', ['-w', '-P', 'FORWARD', policy]);
      writeFileSync(sysctl, bridged);
    }
    const out = r?.stdout ?? '';
    t.match(out, `lab ${UP}: the host's iptables would filter traffic between lab containers`, `refused: ${out.trim() || r?.stderr.trim()}`);
    t.match(out, 'br_netfilter on', 'the reason');
    t.match(out, "adding the lab's FORWARD accept rules needs root: run as root, or set net.bridge.bridge-nf-call-iptables=0", 'the fix');
    t.equal(/^-P FORWARD (\S+)/m.exec(spawnSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' }).stdout)?.[1], policy, 'the host\'s FORWARD policy is back');
  });

  t.test('ensure-docker.sh --restart stops only a dockerd it started (recorded pid and its log), never another', async (t) => {
    const engine = await fakeEngine(t, { networks: 'empty' });
    const bin = join(dir, 'fake-dockerd');
    mkdirSync(bin);
    // a process named dockerd that is not a Docker engine
    copyFileSync('/bin/sleep', join(bin, 'dockerd'));
    chmodSync(join(bin, 'dockerd'), 0o755);
    const log = join(dir, 'oneip-dockerd.log');
    const other = join(dir, 'someone-elses-dockerd.log');
    const marker = join(dir, 'oneip-lab-dockerd.pid');
    const pidfile = join(dir, 'docker.pid');
    const start = (out: string): number => {
      const fd = openSync(out, 'a');
      const child = spawn(join(bin, 'dockerd'), ['300'], { stdio: ['ignore', fd, fd], detached: true });
      closeSync(fd);
      child.unref();
      t.teardown(() => void (child.exitCode === null && child.pid && alive(child.pid) ? process.kill(child.pid, 'SIGKILL') : undefined));
      return child.pid!;
    };
    const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    // not spawnSync: the fake engine `docker info` asks is served from this process
    const restart = (): Promise<{ status: number | null; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn('bash', [join(ROOT, 'scripts', 'ensure-docker.sh'), '--restart'], {
          stdio: ['ignore', 'ignore', 'pipe'],
          env: { ...process.env, DOCKER_HOST: engine.host, OLAB_DOCKERD_LOG: log, OLAB_DOCKERD_MARKER: marker, OLAB_DOCKER_PIDFILE: pidfile, OLAB_DOCKERD_WAIT_S: '5' },
        });
        let stderr = '';
        child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
        const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.on('close', (status) => {
          clearTimeout(guard);
          resolve({ status, stderr });
        });
      });

    const theirs = start(other);
    writeFileSync(marker, `${theirs}\n`);
    writeFileSync(pidfile, `${theirs}\n`);
    const refused = await restart();
    t.equal(refused.status, 1, `a dockerd writing elsewhere is not ours: exit 1 (${refused.stderr.trim()})`);
    t.match(refused.stderr, 'not restarting it', 'says it will not');
    t.ok(alive(theirs), 'that dockerd still runs');

    const ours = start(log);
    writeFileSync(marker, `${ours}\n`);
    const restarted = await restart();
    t.match(restarted.stderr, `stopping the lab's dockerd (pid ${ours})`, 'ours is stopped');
    t.notOk(alive(ours), 'and is gone');
    t.ok(alive(theirs), 'the other one still runs');
    t.equal(restarted.status, 0, `then an engine answers again (here the fake one): ${restarted.stderr.trim().split('\n').pop()}`);
    process.kill(theirs, 'SIGKILL');
  });
}
