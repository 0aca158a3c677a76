// Integration test of what only the netns backend has (root only): its namespaces, host pids, /run/netns entries, clean of partial states; the shared contract is backend-contract.test.ts.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/backends/common/run.js';
import { cleanNetnsLabs, listLabNamespaces, listNetnsLabs } from '../../src/backends/netns/clean.js';
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { netnsUnavailable } from '../helpers/backend-cases.js';
import { smallLab } from '../helpers/netns-lab-spec.js';
import { pidAlive, serverArgv, waitFor } from '../helpers/backend-checks.js';

const LABS = ['tnb1', 'tnb3'];

const whyNot = netnsUnavailable();

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

  t.test('namespaces: olab-<lab>-<node> and the switch; processes are host pids inside them; destroy removes every one', async (t) => {
    const b = new NetnsBackend('tnb1');
    await b.create(smallLab('tnb1'));
    t.same(await listLabNamespaces('tnb1'), ['olab-tnb1-h1', 'olab-tnb1-h2', 'olab-tnb1-h3', 'olab-tnb1-r', 'olab-tnb1-sw']);
    t.ok((await listNetnsLabs()).includes('tnb1'), 'listNetnsLabs shows the lab');
    t.equal(b.namespace('h1'), 'olab-tnb1-h1', "a node's namespace is named after the lab and the node");

    const s2 = await b.spawn('h2', 'tcp', serverArgv('h2'), { logDir });
    const s3 = await b.spawn('h3', 'tcp', serverArgv('h3'), { logDir });
    const h2pids = (await run('ip', ['netns', 'pids', 'olab-tnb1-h2'])).stdout.split('\n').filter(Boolean).map(Number);
    t.ok(h2pids.includes(s2.pid), "a spawned process's pid is a host pid inside its node's namespace");

    const sleeper = await b.spawn('h1', 'sleep', ['sleep', '300'], { logDir });
    await b.stop(sleeper, 2000);
    t.equal(pidAlive(sleeper.pid), false, 'pid gone');

    const keep = await b.spawn('h1', 'sleep2', ['sleep', '300'], { logDir });
    const inLab: number[] = [];
    for (const ns of await listLabNamespaces('tnb1')) {
      inLab.push(...(await run('ip', ['netns', 'pids', ns])).stdout.split('\n').filter(Boolean).map(Number));
    }
    t.ok(inLab.length >= 3, `processes inside the lab's namespaces before destroy: ${inLab.join(' ')}`);
    await b.destroy();
    t.same(inLab.filter(pidAlive), [], 'every process that was inside the lab is gone');
    t.same(await listLabNamespaces('tnb1'), [], 'no olab-tnb1- namespace remains');
    t.notOk(readdirSync('/run/netns').some((n) => n.startsWith('olab-tnb1-')), 'no file under /run/netns');
    for (const p of [s2, s3, keep]) t.equal(pidAlive(p.pid), false, `process ${p.name} on ${p.node} is gone`);
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
}
