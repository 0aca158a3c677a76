// The library on a real lab (netns): inline topology, actions, watchd events, bench = `lab bench --json`, status, down; an interrupted program leaves only what `lab clean` removes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { startLab, LabError, UsageError, type Lab } from '../../src/api/index.js';
import { downLab } from '../../src/lab/down.js';
import { readState } from '../../src/lab/state.js';
import { lab as cli, leftovers, needsRoot, ROOT } from '../helpers/cli.js';

/** Subnets of their own, so the suite never meets another test's lab. */
const INLINE = { scheme: 'broadcast', servers: 3, lan: '10.0.71.0/24', client: { link: '198.18.71.0/24' } };

t.test('a lab from an inline topology, driven through the API', { skip: needsRoot }, async (t) => {
  await downLab('a14api');
  await t.rejects(startLab({ topology: { ...INLINE, name: 'a14api', servers: 0 }, backend: 'netns' }), UsageError, 'a bad inline topology is a UsageError');
  t.same(leftovers('a14api'), [], 'and creates nothing');

  const lab: Lab = await startLab({ topology: { ...INLINE, name: 'a14api' }, backend: 'netns' });
  t.teardown(() => lab.down());
  t.equal(lab.name, 'a14api');
  const status = await lab.status();
  t.equal(status.scheme, 'broadcast');
  t.same(status.dispatch.alive, ['s0', 's1', 's2']);
  t.ok(status.watchd.running, 'watchd runs');

  const ran = await lab.exec('s1', ['sh', '-c', 'hostname -I >/dev/null; ip -brief addr show lan; exit 3']);
  t.equal(ran.exitCode, 3, 'exec passes the exit code through');
  t.match(ran.stdout, /10\.0\.71\.11\/24/, "and the node's output");
  t.throws(() => lab.exec('s9', ['true']), LabError, 'an unknown node is refused');

  await t.rejects(lab.waitFor('dispatcher-failover', { timeoutMs: 300 }), /timed out after 300 ms waiting for watchd's "dispatcher-failover" event/, 'a wait that expires says what it waited for');

  t.match(await lab.link('s2', 'down'), /s2: LAN link down/);
  const out = await lab.waitFor('reconfigured', { node: 's2', timeoutMs: 10_000 });
  t.same(out.alive, ['s0', 's1']);
  t.same((await lab.dispatch()).alive, ['s0', 's1'], 'dispatch() follows watchd');
  await lab.link('s2', 'up');
  const back = await lab.waitFor('reconfigured', { node: 's2', match: (e) => (e.up ?? []).includes('s2'), timeoutMs: 10_000 });
  t.same(back.alive, ['s0', 's1', 's2'], 'link up: watchd puts s2 back');

  await lab.kill('s0');
  await lab.waitFor('reconfigured', { node: 's0', timeoutMs: 10_000 });
  t.match(await lab.revive('s0'), /s0 revived; restarted http/);
  await lab.waitFor('reconfigured', { node: 's0', match: (e) => (e.up ?? []).includes('s0'), timeoutMs: 10_000 });

  const viaApi = await lab.bench({ duration: 1, rate: 200, clients: 300 });
  const viaCli = cli(['bench', '--name', 'a14api', '--duration', '1s', '--rate', '200', '--clients', '300', '--json']);
  t.equal(viaCli.code, 0, viaCli.stderr);
  const json = JSON.parse(viaCli.stdout) as Record<string, unknown>;
  t.same(Object.keys(viaApi).sort(), Object.keys(json).sort(), 'bench() returns the fields `lab bench --json` prints');
  t.equal(viaApi.requests.sent, viaApi.requests.ok + viaApi.requests.errors);
  t.equal(viaApi.mismatches, 0, 'every answer from the server the model names');
  t.same(Object.keys(viaApi.servers).sort(), ['s0', 's1', 's2'], 'every server took its share');

  await lab.down();
  await lab.down();
  t.same(leftovers('a14api'), [], 'down removes everything, and twice is fine');
  t.throws(() => lab.exec('s0', ['true']), /was taken down/);
});

/** A program that brings a lab up through the package name, says so, and waits to be ended. */
function program(name: string): ReturnType<typeof spawn> {
  const code = `import { startLab } from 'oneip-lab';
const lab = await startLab({ topology: ${JSON.stringify({ ...INLINE, name })}, backend: 'netns' });
console.log('up ' + lab.name);
setInterval(() => {}, 1000);`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function untilUp(child: ReturnType<typeof spawn>, name: string): Promise<void> {
  let out = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes(`up ${name}`)) break;
  }
  clearTimeout(timer);
  if (!out.includes(`up ${name}`)) throw new Error(`the program never said "up ${name}" within 60 s: ${out}`);
}

t.test('an interrupted program: SIGTERM takes its lab down; SIGKILL leaves only what clean removes', { skip: needsRoot }, async (t) => {
  await downLab('a14sig');
  const term = program('a14sig');
  await untilUp(term, 'a14sig');
  t.ok(await readState('a14sig'), 'the lab is up and recorded as the CLI records it');
  term.kill('SIGTERM');
  const [code] = (await once(term, 'exit')) as [number | null];
  t.equal(code, 130, 'the program exits 130 after removing its lab');
  t.same(leftovers('a14sig'), [], 'nothing left after SIGTERM');

  await downLab('a14kil');
  const kill = program('a14kil');
  await untilUp(kill, 'a14kil');
  kill.kill('SIGKILL');
  await once(kill, 'exit');
  const state = await readState('a14kil');
  t.ok(state?.watchd, 'after SIGKILL the state still records the lab and its watchd');
  t.ok(leftovers('a14kil').length > 0, 'its namespaces are still there');
  t.ok(await downLab('a14kil'), "clean's removal of one lab removes it");
  t.same(leftovers('a14kil'), [], 'nothing left');
});
