// Integration test of the netns backend on real namespaces, bridges and veths (root only).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError } from '../../src/backends/backend.js';
import { cleanNetnsLabs, listLabNamespaces, listNetnsLabs } from '../../src/backends/netns/clean.js';
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { run } from '../../src/backends/common/run.js';
import { farmLab, smallLab } from '../helpers/netns-lab-spec.js';
import { checkAddresses, checkExecContract, checkForwarding, checkLinkDownUp, NODE, pidAlive, serverArgv, tcpHello, waitFor } from '../helpers/backend-checks.js';

const LABS = ['tnb1', 'tnb2', 'tnb3'];

const whyNot =
  process.getuid?.() !== 0
    ? 'the netns backend tests need root (network namespaces)'
    : !['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))
      ? 'iproute2 (ip) is not installed'
      : '';

if (whyNot) {
  t.plan(0, whyNot);
} else {
  const logDir = mkdtempSync(join(tmpdir(), 'olab-netns-test-'));
  t.before(async () => {
    await cleanNetnsLabs(LABS);
  });
  t.teardown(async () => {
    await cleanNetnsLabs(LABS);
    rmSync(logDir, { recursive: true, force: true });
  });

  t.test('small lab: addresses, sysctls, connectivity, processes, links, destroy', async (t) => {
    const b = new NetnsBackend('tnb1');
    t.equal(b.kind, 'netns');
    await b.create(smallLab('tnb1'));
    t.same(await listLabNamespaces('tnb1'), ['olab-tnb1-h1', 'olab-tnb1-h2', 'olab-tnb1-h3', 'olab-tnb1-r', 'olab-tnb1-sw']);
    t.ok((await listNetnsLabs()).includes('tnb1'), 'listNetnsLabs shows the lab');

    await checkAddresses(t, b, '10.77');

    const sysctl = async (node: string, path: string) =>
      (await b.exec(node, ['cat', `/proc/sys/${path}`])).stdout.trim();
    t.equal(await sysctl('r', 'net/ipv4/ip_forward'), '1', 'router forwards');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth1/send_redirects'), '0', 'per-interface sysctl set');
    t.equal(await sysctl('h1', 'net/ipv4/ip_forward'), '0', 'hosts do not forward');
    t.equal(await sysctl('h1', 'net/ipv6/conf/all/disable_ipv6'), '1', 'IPv6 off');
    t.equal(await sysctl('h1', 'net/ipv6/conf/eth0/disable_ipv6'), '1', 'IPv6 off on the lab interface');

    await checkExecContract(t, b);
    const [s2, s3] = await checkForwarding(t, b, '10.77', logDir, waitFor);
    await checkLinkDownUp(t, b, '10.77', waitFor);

    // a recycled pid with another start time is not ours
    t.equal(await b.isRunning({ ...s2, startTime: '1' }), false, 'start time must match');

    const sleeper = await b.spawn('h1', 'sleep', ['sleep', '300'], { logDir });
    t.equal(await b.isRunning(sleeper), true, 'sleep 300 running');
    await b.stop(sleeper, 2000);
    t.equal(await b.isRunning(sleeper), false, 'stopped');
    t.equal(pidAlive(sleeper.pid), false, 'pid gone');
    await b.stop(sleeper); // stopping twice is fine

    const trapper = await b.spawn('h1', 'stubborn', ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'], {
      logDir,
    });
    await waitFor('trap installed', async () => readFileSync(trapper.logFile, 'utf8').includes('ready'));
    const t0 = Date.now();
    await b.stop(trapper, 300);
    t.equal(await b.isRunning(trapper), false, 'SIGTERM-ignoring process killed after the timeout');
    t.ok(Date.now() - t0 >= 300, 'waited the timeout first');

    const keep = await b.spawn('h1', 'sleep2', ['sleep', '300'], { logDir });
    await t.rejects(b.create(smallLab('tnb1')), /already exists/, 'creating an existing lab fails');
    const inLab: number[] = [];
    for (const ns of await listLabNamespaces('tnb1')) {
      inLab.push(...(await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean).map(Number));
    }
    t.ok(inLab.length >= 4, `processes inside the lab before destroy: ${inLab.join(' ')}`);
    await b.destroy();
    t.same(inLab.filter(pidAlive), [], 'every process that was inside the lab is gone');
    t.same(await listLabNamespaces('tnb1'), [], 'no olab-tnb1- namespace remains');
    t.notOk(readdirSync('/run/netns').some((n) => n.startsWith('olab-tnb1-')), 'no file under /run/netns');
    for (const p of [s2, s3, keep]) t.equal(pidAlive(p.pid), false, `process ${p.name} on ${p.node} is gone`);
    t.equal(await b.isRunning(keep), false);
    await b.destroy();
    t.pass('destroy twice is fine');
    await new NetnsBackend('tnb1').destroy();
    t.pass('destroy of a lab that never existed is fine');
  });

  t.test('bad specs create nothing', async (t) => {
    const b = new NetnsBackend('tnb1');
    const spec = smallLab('tnb1');
    spec.nodes[0]!.interfaces[0]!.network = 'zz';
    await t.rejects(b.create(spec), /unknown network zz/);
    const spec2 = smallLab('tnb1');
    spec2.nodes[1]!.sysctls = { 'net.ipv4.ip_forward': "1'; reboot; '" };
    await t.rejects(b.create(spec2), /invalid value for sysctl/);
    await t.rejects(b.create(smallLab('tnb2')), /spec is for lab "tnb2"/);
    t.throws(() => new NetnsBackend('Bad-Name'), BackendError);
    const spec3 = smallLab('tnb1');
    spec3.nodes[0]!.sysctls = { 'net.ipv4.no_such_knob': '1' };
    await t.rejects(b.create(spec3), /no_such_knob/, 'a failing sysctl names the key');
    t.ok((await listLabNamespaces('tnb1')).every((n) => n.startsWith('olab-tnb1-')), 'a failed create leaves only prefixed names');
    await b.destroy();
    t.same(await listLabNamespaces('tnb1'), []);
  });

  t.test('two labs with the same addresses coexist', async (t) => {
    const b1 = new NetnsBackend('tnb1');
    const b2 = new NetnsBackend('tnb2');
    await Promise.all([b1.create(smallLab('tnb1')), b2.create(smallLab('tnb2'))]);
    const labs = await listNetnsLabs();
    t.ok(labs.includes('tnb1') && labs.includes('tnb2'), 'both listed');
    const p1 = await b1.spawn('h2', 'tcp', serverArgv('lab1'), { logDir });
    const p2 = await b2.spawn('h2', 'tcp', serverArgv('lab2'), { logDir: join(logDir, 'lab2') });
    await waitFor('lab1 server', async () => (await tcpHello(b1, 'h1', '10.77.1.11')) === 'hi from lab1');
    await waitFor('lab2 server', async () => (await tcpHello(b2, 'h1', '10.77.1.11')) === 'hi from lab2');
    t.pass('each lab reaches its own server at the same address');
    await b1.destroy();
    t.same(await listLabNamespaces('tnb1'), []);
    t.equal(await b2.isRunning(p2), true, 'the other lab keeps running');
    t.equal(await b1.isRunning(p1), false);
    t.equal(await tcpHello(b2, 'h1', '10.77.1.11'), 'hi from lab2');
    t.equal((await listLabNamespaces('tnb2')).length, 5);
    await b2.destroy();
    t.same(await listLabNamespaces('tnb2'), []);
  });

  t.test('a creation killed with SIGKILL leaves only what clean removes', async (t) => {
    const child = fileURLToPath(new URL('../helpers/netns-create-child.ts', import.meta.url));
    // run the TypeScript child the way tap runs this file
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
    for (const delayMs of [0, 10, 15, 20, 30, 50, 100, 200, 600]) {
      const proc = spawn(NODE, [...loader, child, 'tnb3', '16'], {
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
      const before = await listLabNamespaces('tnb3');
      const ports = before.includes('olab-tnb3-sw')
        ? (await run('ip', ['-n', 'olab-tnb3-sw', '-o', 'link', 'show', 'type', 'veth'])).stdout.split('\n').filter(Boolean).length
        : 0;
      const finished = out.includes('done') ? ' (creation had finished)' : '';
      t.comment(`killed ${delayMs} ms after start: ${before.length} namespaces, ${ports} switch ports${finished}`);
      t.ok(before.every((n) => n.startsWith('olab-tnb3-')), 'only prefixed names exist');
      await cleanNetnsLabs(['tnb3']);
      t.same(await listLabNamespaces('tnb3'), [], `nothing left after clean (kill at ${delayMs} ms)`);
      // orphans of the killed creator must not bring anything back
      await new Promise((r) => setTimeout(r, 300));
      t.same(await listLabNamespaces('tnb3'), [], 'still nothing 300 ms later');
      await cleanNetnsLabs(['tnb3']);
    }
  });

  t.test('clean removes hand-made partial states: unmounted files, half-wired switch, processes', async (t) => {
    // what a creator killed mid-way can leave: `ip netns add` killed before its bind mount leaves an empty file
    writeFileSync('/run/netns/olab-tnb3-s0', '');
    await run('ip', ['netns', 'add', 'olab-tnb3-sw']);
    await run('ip', ['netns', 'add', 'olab-tnb3-s1']);
    await run('ip', ['-n', 'olab-tnb3-sw', 'link', 'add', 'br-lan', 'type', 'bridge']);
    await run('ip', ['-n', 'olab-tnb3-sw', 'link', 'add', 's1-lan', 'type', 'veth', 'peer', 'name', 'lan', 'netns', 'olab-tnb3-s1']);
    const sleeper = spawn('ip', ['netns', 'exec', 'olab-tnb3-s1', 'sleep', '300'], { stdio: 'ignore' });
    const gone = new Promise((r) => sleeper.on('exit', r));
    await waitFor('sleeper inside', async () => (await run('ip', ['netns', 'pids', 'olab-tnb3-s1'])).stdout.trim() !== '');
    t.same(await listLabNamespaces('tnb3'), ['olab-tnb3-s0', 'olab-tnb3-s1', 'olab-tnb3-sw']);
    t.ok((await listNetnsLabs()).includes('tnb3'));
    t.same(await cleanNetnsLabs(['tnb3']), ['tnb3']);
    await gone;
    t.same(await listLabNamespaces('tnb3'), [], 'nothing left');
    t.same(await cleanNetnsLabs(['tnb3']), [], 'a second clean finds nothing');
  });

  t.test('a farm of 16 servers comes up fast', async (t) => {
    const b = new NetnsBackend('tnb1');
    const t0 = performance.now();
    await b.create(farmLab('tnb1', 16));
    const ms = performance.now() - t0;
    t.comment(`create of 16 servers + 3 nodes: ${ms.toFixed(0)} ms`);
    t.ok(ms < 3000, 'well under 3 s');
    t.match((await b.exec('s15', ['ip', '-br', 'addr', 'show', 'lan'])).stdout, /10\.0\.1\.25\/24/);
    await b.destroy();
    t.same(await listLabNamespaces('tnb1'), []);
  });
}
