// The backend contract, run alike on every backend (netns, Docker), as Mininet's test_nets runs its checks per switch; Docker never skips when CI=true.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BackendError, type Backend } from '../../src/backends/backend.js';
import { contractCases, type ContractCase } from '../helpers/backend-cases.js';
import { backendLeftOut } from '../helpers/cli.js';
import { checkAddresses, checkExecContract, checkForwarding, checkLinkDownUp, NODE, pidAlive, serverArgv, tcpHello } from '../helpers/backend-checks.js';

/** Follows a log through the backend, following again from where it got to whenever the backend says the follow ended. */
async function resilientFollow(b: Backend, node: string, file: string, onData: (d: string) => void): Promise<{ stop: () => Promise<void>; ends: () => number }> {
  let at = 0;
  let ends = 0;
  let stopped = false;
  let stopCurrent: () => Promise<void> = async () => {};
  const start = async (): Promise<void> => {
    stopCurrent = await b.followLog(node, file, at, (d) => ((at += d.length), onData(d.toString('utf8'))), { onEnd: () => void again() });
  };
  const again = async (): Promise<void> => {
    ends++;
    while (!stopped) {
      await sleep(200);
      try {
        return await start();
      } catch {
        // the node is still down: try again
      }
    }
  };
  await start();
  return {
    stop: async () => {
      stopped = true;
      await stopCurrent();
    },
    ends: () => ends,
  };
}

function contract(t: Test, c: ContractCase): void {
  const [lab, lab2, crashLab] = c.labs;
  const { logDir, wait } = c;

  t.before(async () => t.comment(await c.setup()));
  t.teardown(() => c.teardown());
  // a failed subtest must not leave its labs to the next one
  t.afterEach(async () => void (await c.clean([...c.labs])));

  t.test('small lab: addresses, sysctls, exec, forwarding, links, processes, destroy', async (t) => {
    const b = c.make(lab);
    const { spec, nets } = c.small(lab, 0);
    t.equal(b.kind, c.kind);
    await b.create(spec);
    t.ok((await c.listLabs()).includes(lab), 'the backend lists the lab');

    await checkAddresses(t, b, nets);

    const sysctl = async (node: string, path: string) => (await b.exec(node, ['cat', `/proc/sys/${path}`])).stdout.trim();
    t.equal(await sysctl('r', 'net/ipv4/ip_forward'), '1', 'router forwards');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth1/send_redirects'), '0', 'per-interface sysctl on a later interface');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth0/arp_announce'), '2', 'per-interface sysctl on the first interface');
    t.equal(await sysctl('r', 'net/ipv4/conf/eth1/arp_announce'), '0', 'and only there');
    t.equal(await sysctl('h1', 'net/ipv4/ip_forward'), '0', 'hosts do not forward');
    t.equal(await sysctl('h1', 'net/ipv6/conf/all/disable_ipv6'), '1', 'IPv6 off');
    t.equal(await sysctl('h1', 'net/ipv6/conf/eth0/disable_ipv6'), '1', 'IPv6 off on the lab interface');

    await checkExecContract(t, b);
    const script = await b.exec('h1', ['sh', '-e'], { input: 'echo one\necho two >&2\nfalse\necho three\n' });
    t.same(script, { exitCode: 1, stdout: 'one\n', stderr: 'two\n' }, 'a plan-style sh -e script stops at the first failure');
    const big = await b.exec('h1', ['sh', '-c', 'head -c 1000000 /dev/zero | tr "\\0" x']);
    t.equal(big.stdout.length, 1000000, 'large output arrives whole');

    const [s2] = await checkForwarding(t, b, nets, logDir, wait);
    await checkLinkDownUp(t, b, nets, wait);

    // a recycled pid with another start time is not ours
    t.equal(await b.isRunning({ ...s2!, startTime: '1' }), false, 'start time must match');

    const sleeper = await b.spawn('h1', 'sleep', ['sleep', '300'], { logDir });
    t.equal(await b.isRunning(sleeper), true, 'sleep 300 running');
    await b.stop(sleeper, 2000);
    t.equal(await b.isRunning(sleeper), false, 'stopped');
    await b.stop(sleeper); // stopping twice is fine

    const trapper = await b.spawn('h1', 'stubborn', ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'], { logDir });
    await wait('trap installed', async () => ((await b.readLog('h1', trapper.logFile, 0))?.data.toString('utf8') ?? '').includes('ready'));
    const t0 = Date.now();
    await b.stop(trapper, 300);
    t.equal(await b.isRunning(trapper), false, 'SIGTERM-ignoring process killed after the timeout');
    t.ok(Date.now() - t0 >= 300, 'waited the timeout first');

    const keep = await b.spawn('h1', 'sleep2', ['sleep', '300'], { logDir });
    await t.rejects(b.create(spec), /already exists/, 'creating an existing lab fails');
    const inLab = await c.hostPids(lab);
    t.ok(inLab.length >= c.minPids, `host pids inside the lab before destroy: ${inLab.join(' ')}`);
    await b.destroy();
    t.same(inLab.filter(pidAlive), [], 'every process that was inside the lab is gone');
    t.same(await c.leftovers(lab), [], 'nothing of the lab remains');
    t.notOk((await c.listLabs()).includes(lab), 'the backend no longer lists the lab');
    t.equal(await b.isRunning(keep), false);
    await b.stop(keep);
    t.pass('stopping a process of a removed lab is fine');
    await t.rejects(b.exec('h1', ['true']), /missing/, 'exec in a removed lab says the node is missing');
    await b.destroy();
    t.pass('destroy twice is fine');
    await c.make(lab2).destroy();
    t.pass('destroy of a lab that never existed is fine');
  });

  t.test('bad specs create nothing', async (t) => {
    const b = c.make(lab);
    const spec = c.small(lab, 0).spec;
    spec.nodes[0]!.interfaces[0]!.network = 'zz';
    await t.rejects(b.create(spec), /unknown network zz/);
    const spec2 = c.small(lab, 0).spec;
    spec2.nodes[1]!.sysctls = { 'net.ipv4.ip_forward': "1'; reboot; '" };
    await t.rejects(b.create(spec2), /invalid value for sysctl/);
    await t.rejects(b.create(c.small(lab2, 0).spec), new RegExp(`spec is for lab "${lab2}"`));
    t.throws(() => c.make('Bad-Name'), BackendError);
    const spec3 = c.small(lab, 0).spec;
    spec3.nodes[0]!.sysctls = { 'net.ipv4.no_such_knob': '1' };
    await t.rejects(b.create(spec3), /no_such_knob/, 'a failing sysctl names the key');
    t.ok((await c.objects(lab)).every((n) => n.startsWith(`olab-${lab}-`)), 'a failed create leaves only prefixed names');
    await b.destroy();
    t.same(await c.leftovers(lab), []);
  });

  t.test('two labs side by side: each reaches its own servers; destroying one leaves the other', async (t) => {
    const b1 = c.make(lab);
    const b2 = c.make(lab2);
    const one = c.small(lab, 0);
    const two = c.small(lab2, 1);
    await Promise.all([b1.create(one.spec), b2.create(two.spec)]);
    const labs = await c.listLabs();
    t.ok(labs.includes(lab) && labs.includes(lab2), 'both listed');
    const p1 = await b1.spawn('h2', 'tcp', serverArgv('lab1'), { logDir });
    const p2 = await b2.spawn('h2', 'tcp', serverArgv('lab2'), { logDir: join(logDir, 'lab2') });
    await wait('lab1 server', async () => (await tcpHello(b1, 'h1', `${one.nets.a}.11`)) === 'hi from lab1');
    await wait('lab2 server', async () => (await tcpHello(b2, 'h1', `${two.nets.a}.11`)) === 'hi from lab2');
    t.pass('each lab reaches its own server');
    const across = await tcpHello(b1, 'h1', `${two.nets.a}.11`, 500);
    t.not(across, 'hi from lab2', "lab 1 never reaches lab 2's server");
    // labs on other addresses (Docker) do not reach each other at all; at the same addresses (netns) each answers itself
    if (one.nets.a !== two.nets.a) t.equal(across, '', 'lab 1 cannot reach lab 2');
    const objects2 = await c.objects(lab2);
    await b1.destroy();
    t.same(await c.leftovers(lab), []);
    t.equal(await b2.isRunning(p2), true, 'the other lab keeps running');
    t.equal(await b1.isRunning(p1), false);
    t.equal(await tcpHello(b2, 'h1', `${two.nets.a}.11`), 'hi from lab2');
    t.same(await c.objects(lab2), objects2, 'the other lab keeps all its objects');
    await b2.destroy();
    t.same(await c.leftovers(lab2), []);
  });

  t.test('logs: read from an offset, followed as they grow, until the follow is stopped', async (t) => {
    const b = c.make(lab);
    await b.create(c.small(lab, 0).spec);
    const talker = await b.spawn('h1', 'talker', ['sh', '-c', 'echo one; echo two; exec sleep 300'], { logDir });
    await wait('two lines logged', async () => (await b.readLog('h1', talker.logFile, 0))?.data.toString('utf8') === 'one\ntwo\n');
    const whole = (await b.readLog('h1', talker.logFile, 0))!;
    t.same([whole.data.toString('utf8'), whole.size], ['one\ntwo\n', 8], 'the whole log and its size');
    const part = (await b.readLog('h1', talker.logFile, 4))!;
    t.same([part.data.toString('utf8'), part.size], ['two\n', 8], 'the log from an offset');
    const past = (await b.readLog('h1', talker.logFile, Number.MAX_SAFE_INTEGER))!;
    t.same([past.data.length, past.size], [0, 8], 'past the end: no data, only the size');
    t.equal(await b.readLog('h1', join(logDir, 'h1-nosuch.log'), 0), undefined, 'a log that does not exist yet');

    let got = '';
    let ended = false;
    const stop = await b.followLog('h1', talker.logFile, 4, (d) => (got += d.toString('utf8')), { onEnd: () => (ended = true) });
    await wait('the follow from the offset', async () => got === 'two\n');
    t.pass('the follow hands over what is there from the offset');
    const append = (line: string) => b.exec('h1', ['sh', '-c', 'echo "$2" >> "$1"', 'sh', talker.logFile, line]);
    await append('three');
    await wait('the appended line', async () => got === 'two\nthree\n');
    t.pass('and what is appended, as it is appended');
    await stop();
    await append('four');
    await sleep(500);
    t.equal(got, 'two\nthree\n', 'nothing after the follow is stopped');
    t.notOk(ended, 'a stopped follow does not report an end');
    t.equal((await b.readLog('h1', talker.logFile, 0))?.data.toString('utf8'), 'one\ntwo\nthree\nfour\n', 'the log holds every line');
    await b.destroy();
  });

  t.test('kill and revive hooks: the node dies at once and drops its links, then comes back wired as before', async (t) => {
    const b = c.make(lab);
    const { spec, nets } = c.small(lab, 0);
    await b.create(spec);
    const server = await b.spawn('r', 'tcp', serverArgv('r'), { logDir });
    await wait('r server', async () => (await tcpHello(b, 'h1', `${nets.a}.1`)) === 'hi from r');
    const talker = await b.spawn('r', 'talker', ['sh', '-c', 'echo before; exec sleep 300'], { logDir });
    let got = '';
    const follow = await resilientFollow(b, 'r', talker.logFile, (d) => (got += d));
    await wait('the follow before the kill', async () => got === 'before\n');

    await b.kill('r');
    t.equal(await b.isRunning(server), false, "the killed node's processes are gone");
    t.equal(await b.isRunning(talker), false, 'all of them');
    t.equal(await tcpHello(b, 'h1', `${nets.a}.1`, 500), '', 'the killed node does not answer');
    await b.kill('r');
    t.pass('killing twice is fine');

    await b.revive('r');
    const r = (await b.exec('r', ['ip', '-br', 'addr'])).stdout;
    const re = (octets: string): string => octets.replace(/\./g, '\\.');
    t.match(r, new RegExp(`^eth0@\\S+\\s+UP\\s+${re(nets.a)}\\.1\\/24`, 'm'), 'eth0 back');
    t.match(r, new RegExp(`^eth1@\\S+\\s+UP\\s+${re(nets.b)}\\.1\\/24`, 'm'), 'eth1 back');
    t.notMatch((await b.exec('r', ['ip', 'route'])).stdout, /default/, 'still no default route');
    t.equal((await b.exec('r', ['cat', '/proc/sys/net/ipv4/conf/eth1/send_redirects'])).stdout.trim(), '0', 'later interface sysctl back');
    t.equal((await b.exec('r', ['cat', '/proc/sys/net/ipv4/conf/eth0/arp_announce'])).stdout.trim(), '2', 'first interface sysctl back');
    t.equal(await b.isRunning(server), false, 'its processes are not restarted: the caller does that');
    const again = await b.spawn('r', 'tcp2', serverArgv('r again'), { logDir });
    await wait('r server again', async () => (await tcpHello(b, 'h1', `${nets.a}.1`)) === 'hi from r again');
    t.pass('a process started after the revive serves on the revived links');
    t.equal(await b.isRunning(again), true);

    await b.exec('r', ['sh', '-c', 'echo after >> "$1"', 'sh', talker.logFile]);
    await wait('the follow after the revive', async () => got === 'before\nafter\n');
    t.pass(`a follow started before the kill hands over what is written after the revive (${follow.ends()} ends reported and followed again)`);
    await follow.stop();
    await b.destroy();
  });

  t.test('a creation killed with SIGKILL leaves only what clean removes', async (t) => {
    const child = fileURLToPath(new URL('../helpers/backend-create-child.ts', import.meta.url));
    // run the TypeScript child the way tap runs this file
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
    for (const delayMs of c.crash.delaysMs) {
      const proc = spawn(NODE, [...loader, child, c.kind, crashLab, String(c.crash.servers), ...c.crash.childArgs], {
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
      await sleep(delayMs);
      proc.kill('SIGKILL');
      await exited;
      const before = await c.objects(crashLab);
      const finished = out.includes('done') ? ' (creation had finished)' : '';
      t.comment(`killed ${delayMs} ms after start: ${await c.census(crashLab)}${finished}`);
      t.ok(before.every((n) => n.startsWith(`olab-${crashLab}-`)), 'only prefixed names exist');
      const cleaned = await c.clean([crashLab]);
      if (before.length > 0) t.same(cleaned, [crashLab], 'clean reports the lab it removed');
      t.same(await c.leftovers(crashLab), [], `nothing left after clean (kill at ${delayMs} ms)`);
      // orphans of the killed creator (an `ip netns add`, a request the engine is finishing) must not bring anything back
      await sleep(300);
      t.same(await c.leftovers(crashLab), [], 'still nothing 300 ms later');
      await c.clean([crashLab]);
    }
  });

  t.test(`farms of ${c.farmSizes.join(' and ')} servers: create and destroy times`, async (t) => {
    for (const servers of c.farmSizes) {
      const b = c.make(lab);
      const spec = c.farm(lab, servers);
      const last = spec.nodes.find((n) => n.name === `s${servers - 1}`)!.interfaces[0]!.address;
      const t0 = performance.now();
      await b.create(spec);
      const created = performance.now() - t0;
      t.match((await b.exec(`s${servers - 1}`, ['ip', '-br', 'addr', 'show', 'lan'])).stdout, new RegExp(last.replace(/\./g, '\\.')), 'the last server has its address');
      t.equal((await b.exec('s0', ['cat', '/proc/sys/net/ipv4/conf/lan/arp_ignore'])).stdout.trim(), '1', 'server arp_ignore on lan');
      t.equal((await b.exec('router', ['cat', '/proc/sys/net/ipv4/conf/lan/arp_ignore'])).stdout.trim(), '0', 'router untouched');
      const t1 = performance.now();
      await b.destroy();
      const destroyed = performance.now() - t1;
      t.comment(`${servers} servers + client, router, dispatcher: create ${(created / 1000).toFixed(1)} s, destroy ${(destroyed / 1000).toFixed(1)} s`);
      t.ok(created < c.farmBudgetMs, `created within ${c.farmBudgetMs / 1000} s`);
      t.same(await c.leftovers(lab), []);
    }
  });
}

for (const c of await contractCases()) {
  const leftOut = backendLeftOut(c.kind);
  if (leftOut) {
    t.test(`${c.kind} backend contract`, { skip: `skipping the ${c.kind} backend contract: ${leftOut}` }, async () => {});
  } else if (c.unavailable && c.mustRunInCi && (process.env.CI === 'true' || process.env.OLAB_TEST_BACKEND === 'docker')) {
    // CI installs and starts what the backend needs (scripts/ensure-docker.sh): not finding it there is a failure, never a skip
    t.fail(`the ${c.kind} backend contract must run in CI, but ${c.unavailable}`);
  } else {
    t.test(`${c.kind} backend contract`, { skip: c.unavailable ? `skipping the ${c.kind} backend contract: ${c.unavailable}` : false }, async (t) => contract(t, c));
  }
}
