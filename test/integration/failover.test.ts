// Failure handling on real kernels (paper 6.3): watchd masks a killed server and a killed dispatcher, restores on revival; link, stop and loss injection; down leaves no watchd.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { Command } from 'commander';
import { registerFailures } from '../../src/cli/commands/failures.js';
import { registerLogs } from '../../src/cli/commands/logs.js';
import { registerStatus } from '../../src/cli/commands/status.js';
import { paperSingleFailure } from '../../src/dispatch/modulo.js';
import { runBench } from '../../src/lab/bench.js';
import { readCounters } from '../../src/lab/counters.js';
import { downLab } from '../../src/lab/down.js';
import { exitCodeOf } from '../../src/util/errors.js';
import { killNode, reviveNode } from '../../src/lab/failures.js';
import type { RunningLab } from '../../src/lab/running-lab.js';
import { readState } from '../../src/lab/state.js';
import { builtScript } from '../../src/util/paths.js';

import { ipToInt } from '../../src/net/ipv4.js';
import { watchdAlive } from '../../src/lab/watchd-process.js';
import { readEvents, type WatchdEvent } from '../../src/lab/watchd-events.js';
import { servedAgainAfter, type ServedLog } from '../../src/watchd/served-probe.js';
import { backendCases, clientAddresses, ghostMap, packets, predicted, startLab } from '../helpers/lab-fixture.js';

const POPULATION = '198.18.128.0/17';
/** Clients followed every 50 ms through a failover (all of one server's: keep the extra load on it small). */
const SAMPLE = 10;
/** Subnets of their own: Docker bridge networks of two labs may not overlap, and other suites use the defaults. */
const NETS = 'lan: 10.0.77.0/24\nclient: {link: 198.18.77.0/24}\n';

/** Runs the served-probe in the client: each address GETs the ghost every 50 ms (250 ms timeout) for durationMs. */
async function servedProbe(lab: RunningLab, froms: string[], durationMs: number): Promise<ServedLog> {
  const argv = [process.execPath, builtScript('watchd/served-probe'), '--target', lab.state.topology.ghost, '--from', froms.join(','), '--duration', String(durationMs)];
  const r = await lab.exec('client', argv);
  if (r.exitCode !== 0) throw new Error(`served-probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ServedLog;
}

/** Who serves each address now: one GET per address with a short timeout, so a poll ends soon after a miss. */
async function servedBy(lab: RunningLab, froms: string[], timeoutMs = 300): Promise<Map<string, string>> {
  const results = await lab.probe('client', [`http://${lab.state.topology.ghost}/`], froms, timeoutMs);
  return new Map(results.map((r) => [r.from!, r.ok ? r.servedBy! : `error:${r.error ?? r.status}`]));
}

/** Polls until every address is served by a server that passes `good`; returns the ms from `since` to the end of that poll. */
async function pollServed(lab: RunningLab, froms: string[], good: (from: string, server: string) => boolean, since: number, timeoutMs = 20000): Promise<number> {
  for (;;) {
    const map = await servedBy(lab, froms);
    if (froms.every((f) => good(f, map.get(f) ?? ''))) return Date.now() - since;
    if (Date.now() - since > timeoutMs) throw new Error(`not served as expected after ${timeoutMs} ms: ${[...map].filter(([f, s]) => !good(f, s)).slice(0, 5).join(' ')}`);
  }
}

/** Addresses with a failed attempt that started at or after `t`. */
function failedAfter(log: ServedLog, t: number): string[] {
  return Object.entries(log.last_error).filter(([, e]) => e !== null && e >= t).map(([f, e]) => `${f} failed at +${e! - t} ms`);
}

function mismatches(lab: RunningLab, answers: Map<string, string>): string[] {
  return [...answers].filter(([from, server]) => server !== predicted(lab, from)).map(([from, server]) => `${from}: ${server}, model ${predicted(lab, from)}`);
}

async function events(lab: RunningLab, since: number): Promise<WatchdEvent[]> {
  return (await readEvents(lab.state.watchd!.eventsFile)).filter((e) => e.t >= since);
}

/** Waits for a watchd event that matches; returns it. */
async function waitEvent(lab: RunningLab, since: number, match: (e: WatchdEvent) => boolean, timeoutMs = 10000): Promise<WatchdEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await events(lab, since)).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such watchd event within ${timeoutMs} ms; events: ${JSON.stringify(await events(lab, since))}`);
    await sleep(50);
  }
}

/** Detection and reconfiguration delays after `since`, from watchd's own events. */
function timeline(evs: WatchdEvent[], since: number, node: string, done: WatchdEvent['event']): string {
  const detected = evs.find((e) => e.event === 'detected' && e.node === node);
  const applied = evs.find((e) => e.event === done && (e.down?.includes(node) || e.from === node));
  return `watchd detected ${node} at +${detected ? detected.t - since : '?'} ms, ${done} at +${applied ? applied.t - since : '?'} ms`;
}

for (const { backend, skip } of await backendCases()) {
  for (const scheme of ['routing', 'broadcast'] as const) {
    t.test(`${backend}: ${scheme}: kill s1 of 4 under load, watchd masks it as the paper says, revive restores`, { skip }, async (t) => {
      const lab = await startLab(t, `wf${scheme[0]}${backend[0]}`, `scheme: ${scheme}\nservers: 4\n${NETS}`, backend);
      const froms = clientAddresses(POPULATION, 256);
      const before = await ghostMap(lab, froms);
      t.same(mismatches(lab, before), [], 'before: every client is served by the predicted server');
      const s1Clients = froms.filter((f) => before.get(f) === 's1');

      const bench = runBench(lab, { duration: '6s', rate: '500', mode: 'close', clients: '1000' });
      const probe = servedProbe(lab, s1Clients.slice(0, SAMPLE), 5000);
      await sleep(1500);
      const killedAt = Date.now();
      await killNode(lab, 's1');
      const seen = await probe;
      const load = await bench;
      t.ok(Object.values(seen.from).every((c) => c[0]![0] < killedAt && c[0]![1] === 'ok:s1'), `the ${SAMPLE} sampled clients of s1 were served by s1 before the kill`);
      const failoverMs = servedAgainAfter(seen, killedAt, (_, o) => /^ok:s[023]$/.test(o));
      t.ok(failoverMs !== undefined, 'every sampled former s1 client is served by another server again');
      const evs = await events(lab, killedAt);
      t.comment(`${backend}/${scheme} failover (kill -> every former s1 client served again): ${failoverMs} ms; ${timeline(evs, killedAt, 's1', 'reconfigured')}`);
      const reconfigured = evs.find((e) => e.event === 'reconfigured' && (e.down ?? []).includes('s1'))!;
      t.same(failedAfter(seen, reconfigured.t), [], "s1's clients failed only until watchd reconfigured: no attempt started after it failed");
      for (const s of ['s0', 's2', 's3']) t.equal(load.errors_by_home[s]!.errors, 0, `${s}'s clients: 0 errors of ${load.errors_by_home[s]!.ok}`);
      t.comment(`s1's clients during the failover: ${load.errors_by_home.s1!.errors} errors, ${load.errors_by_home.s1!.ok} answered (${JSON.stringify(load.errors_by_kind)})`);

      await lab.refresh();
      t.same(lab.state.alive, [0, 2, 3], 'watchd took s1 out of the function');
      t.same(lab.state.watchd!.down, ['s1'], 'and recorded that it did');
      const during = await ghostMap(lab, froms);
      t.same(mismatches(lab, during), [], 'with s1 out, every client is served by the predicted server');
      t.same(froms.filter((f) => during.get(f) !== before.get(f)), s1Clients, "exactly s1's former clients moved");
      const formula = s1Clients.filter((f) => during.get(f) !== `s${paperSingleFailure(ipToInt(f), 4, 1)}`);
      t.same(formula, [], "s1's clients are on S_j, j = CA mod 3, S_j if j < 1 else S_(j+1) (paper 6.3)");

      // the change back, under keep-alive load: connections of s1's former clients to their stand-ins break
      const back = runBench(lab, { duration: '5s', rate: '500', mode: 'keepalive', clients: '1000' });
      const reprobe = servedProbe(lab, s1Clients.slice(0, SAMPLE), 6000);
      await sleep(1500);
      const revivedAt = Date.now();
      await reviveNode(lab, 's1');
      const restoreMs = servedAgainAfter(await reprobe, revivedAt, (_, o) => o === 'ok:s1');
      const reload = await back;
      t.ok(restoreMs !== undefined, "every sampled former s1 client is served by s1 again");
      t.comment(`${backend}/${scheme} revive -> s1's clients on s1 again: ${restoreMs} ms (revive itself: ${(await events(lab, revivedAt)).find((e) => e.event === 'recovered')!.t - revivedAt} ms until watchd saw s1 answer)`);
      t.comment(`keep-alive connections broken by the change back: ${reload.errors_by_kind.reset ?? 0} reset (${reload.requests.errors} failed requests of ${reload.requests.sent}; ${JSON.stringify(reload.errors_by_kind)})`);
      await waitEvent(lab, revivedAt, (e) => e.event === 'reconfigured' && (e.up ?? []).includes('s1'));
      t.same([...(await ghostMap(lab, froms))], [...before], 'watchd put s1 back: the original mapping returns');
      await lab.refresh();
      t.same(lab.state.alive, [0, 1, 2, 3], 'all four servers in the function again');
      t.same(lab.state.failures, {}, 'no failure left recorded');
    });
  }

  t.test(`${backend}: routing with a backup dispatcher: kill the active one under load`, { skip }, async (t) => {
    const lab = await startLab(t, `wfd${backend[0]}`, `scheme: routing\nservers: 4\ndispatchers: 2\n${NETS}`, backend);
    const froms = clientAddresses(POPULATION, 128);
    const before = await ghostMap(lab, froms);
    t.same(mismatches(lab, before), [], 'before: every client is served by the predicted server');
    const rulesBefore = await serverRules(lab);

    const bench = runBench(lab, { duration: '5s', rate: '500', mode: 'close', clients: '1000' });
    const probe = servedProbe(lab, froms.slice(0, SAMPLE), 5000);
    await sleep(1500);
    const killedAt = Date.now();
    await killNode(lab, 'dispatcher');
    const seen = await probe;
    const load = await bench;
    const failoverMs = servedAgainAfter(seen, killedAt, (f, o) => o === `ok:${before.get(f)}`);
    t.ok(failoverMs !== undefined, 'every sampled client is served by its own server again');
    const evs = await events(lab, killedAt);
    t.comment(`${backend} dispatcher failover (kill -> every client served again): ${failoverMs} ms; ${timeline(evs, killedAt, 'dispatcher', 'dispatcher-failover')}`);
    const switched = evs.find((e) => e.event === 'dispatcher-failover')!;
    t.same(failedAfter(seen, switched.t), [], 'clients failed only until watchd switched the route: no attempt started after it failed');
    t.comment(`requests during the dispatcher failover: ${load.requests.errors} errors of ${load.requests.sent} (${JSON.stringify(load.errors_by_kind)})`);
    t.equal(load.mismatches, 0, 'every answer came from the predicted server: no client changed server');
    await lab.refresh();
    t.equal(lab.state.activeDispatcher, 'dispatcher2', 'the backup is the active dispatcher now');
    t.same(lab.state.alive, [0, 1, 2, 3], 'the dispatch function did not change');
    const backup = lab.state.topology.dispatchers[1]!.interfaces[0]!.address;
    t.match((await lab.exec('router', ['ip', 'route', 'get', lab.state.topology.ghost])).stdout, new RegExp(`via ${backup.replace(/\./g, '\\.')} `), "the router's ghost route points to dispatcher2");
    t.equal(await serverRules(lab), rulesBefore, 'no server changed: addresses, routes and rules as before');
    t.same([...(await ghostMap(lab, froms))], [...before], 'every client lands where it did');

    // the revived dispatcher is the standby, with the current rules: failing over back to it works
    const revivedAt = Date.now();
    await reviveNode(lab, 'dispatcher');
    await waitEvent(lab, revivedAt, (e) => e.event === 'recovered' && e.node === 'dispatcher');
    const killed2 = Date.now();
    await killNode(lab, 'dispatcher2');
    const backMs = await pollServed(lab, froms, (f, s) => s === before.get(f), killed2);
    await waitEvent(lab, killed2, (e) => e.event === 'dispatcher-failover' && e.to === 'dispatcher');
    t.comment(`${backend} failover back to the revived dispatcher: ${backMs} ms`);
    t.same([...(await ghostMap(lab, froms))], [...before], 'through the revived dispatcher too, every client lands where it did');
  });

  t.test(`${backend}: link down/up, stop/revive and loss through the command line; down leaves no watchd`, { skip }, async (t) => {
    const name = `wfl${backend[0]}`;
    const lab = await startLab(t, name, `scheme: routing\nservers: 3\n${NETS}`, backend);
    const froms = clientAddresses(POPULATION, 96);
    const before = await ghostMap(lab, froms);
    const restored = async (t: Test, what: string, since: number, node: string): Promise<void> => {
      await waitEvent(lab, since, (e) => e.event === 'reconfigured' && (e.up ?? []).includes(node));
      t.same([...(await ghostMap(lab, froms))], [...before], `${what}: watchd put ${node} back, the original mapping returns`);
    };
    const masked = async (t: Test, what: string, since: number, node: string): Promise<void> => {
      const e = await waitEvent(lab, since, (e) => e.event === 'reconfigured' && (e.down ?? []).includes(node));
      await lab.refresh();
      const during = await ghostMap(lab, froms);
      t.same(mismatches(lab, during), [], `${what}: watchd took ${node} out after +${e.t - since} ms; every client is on its predicted server`);
      t.notOk([...during.values()].includes(node), `${what}: nobody is served by ${node}`);
    };

    let at = Date.now();
    t.equal((await cli(['link', '--name', name, 's2', 'down'])).code, 0, 'lab link s2 down');
    await masked(t, 'link down', at, 's2');
    at = Date.now();
    t.equal((await cli(['link', '--name', name, 's2', 'up'])).code, 0, 'lab link s2 up');
    await restored(t, 'link up', at, 's2');

    at = Date.now();
    const stop = await cli(['stop', '--name', name, 's0']);
    t.match(stop.stdout, /s0: stopped http/, 'lab stop s0: SIGTERM to its HTTP server');
    await masked(t, 'stop', at, 's0');
    t.match((await events(lab, at)).find((e) => e.event === 'detected')?.error, /ECONNREFUSED/, 'a stopped server refuses connections');
    at = Date.now();
    t.match((await cli(['revive', '--name', name, 's0'])).stdout, /s0 revived; restarted http/, 'lab revive s0 restarts its server');
    await restored(t, 'revive', at, 's0');

    // 50 % loss on the client's link (watchd does not judge the client): about half the datagrams the router sends it never arrive
    t.equal((await cli(['loss', '--name', name, 'client', '50'])).code, 0, 'lab loss client 50');
    const counts = async (): Promise<[number, number]> => [packets(await readCounters(lab, 'client'), 'loss: dropped in'), await udpNoPorts(lab, 'client')];
    const [drop0, arrived0] = await counts();
    const sent = await udpTo(lab, 'router', '198.18.77.1', '198.18.77.2', 200);
    const [drop1, arrived1] = await counts();
    t.ok(drop1 - drop0 >= 0.3 * sent && drop1 - drop0 <= 0.7 * sent, `the client's loss rule dropped ${drop1 - drop0} of ${sent} datagrams`);
    t.equal(arrived1 - arrived0 + drop1 - drop0, sent, 'every other datagram arrived (Udp NoPorts)');
    t.equal((await cli(['loss', '--name', name, 'client', '0'])).code, 0, 'lab loss client 0');
    t.equal((await lab.exec('client', ['nft', 'list', 'table', 'ip', 'oneip_loss'])).exitCode, 1, "the client's loss table is gone");

    // 100 % loss on a server is a failure watchd masks; 0 brings it back
    at = Date.now();
    t.equal((await cli(['loss', '--name', name, 's1', '100'])).code, 0, 'lab loss s1 100');
    await masked(t, 'loss 100', at, 's1');
    at = Date.now();
    t.equal((await cli(['loss', '--name', name, 's1', '0'])).code, 0, 'lab loss s1 0');
    t.equal((await lab.exec('s1', ['nft', 'list', 'table', 'ip', 'oneip_loss'])).exitCode, 1, 'the loss table is gone');
    await restored(t, 'loss 0', at, 's1');

    const status = JSON.parse((await cli(['status', '--name', name, '--json'])).stdout);
    t.equal(status.watchd.running, true, 'status --json: watchd is running');
    t.same(status.failures, {}, 'status --json: no injected failure is left');
    t.ok(status.watchd.last_events.length > 0, 'status --json: watchd\'s last events');
    const human = await cli(['status', '--name', name]);
    t.match(human.stdout, /watchd: running \(pid \d+\), a probe round every 100 ms, 3 misses/, 'status shows watchd');
    const logs = await cli(['logs', '--name', name, 'watchd', '--json']);
    const kinds = new Set(logs.stdout.trim().split('\n').map((l) => (JSON.parse(l) as WatchdEvent).event));
    for (const k of ['started', 'detected', 'reconfigured', 'recovered'] as const) t.ok(kinds.has(k), `logs watchd --json has ${k} events`);
    t.match((await cli(['logs', '--name', name, 'watchd', '-n', '1'])).stdout, /^\d\d:\d\d:\d\d\.\d{3} {2}\S+/, 'logs watchd: readable lines');

    for (const [args, pattern] of [
      [['loss', '--name', name, 's1', '101'], /0 to 100/],
      [['link', '--name', name, 's1', 'sideways'], /down or up/],
      [['kill', '--name', name, 's9'], /no node "s9"/],
      [['stop', '--name', name, 'dispatcher'], /no process of the lab/],
    ] as const) {
      const r = await cli([...args]);
      t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
      t.match(r.stderr, pattern, `${args.join(' ')}: ${r.stderr.trim()}`);
    }

    const w = (await readState(name))!.watchd!;
    const prober = (await readState(name))!.processes.find((p) => p.name === 'watchd-probe')!;
    t.ok(await watchdAlive(w), 'watchd runs before down');
    await downLab(name);
    t.notOk(await watchdAlive(w), 'down ended watchd');
    t.notOk(await lab.backend.isRunning(prober).catch(() => false), 'and its prober');
    t.same(daemonsOf(name), [], 'no watchd process of the lab is left on the host');
  });
}

/** Sends `count` UDP datagrams from a node (one source address) to a closed port; returns how many were sent. */
async function udpTo(lab: RunningLab, node: string, from: string, target: string, count: number): Promise<number> {
  const r = await lab.exec(node, [process.execPath, builtScript('server/udp-burst'), '--target', target, '--from', Array(count).fill(from).join(',')]);
  if (r.exitCode !== 0) throw new Error(`udp-burst failed: ${r.stderr}`);
  return JSON.parse(r.stdout).sent as number;
}

/** Datagrams that arrived at a closed UDP port of the node (/proc/net/snmp Udp NoPorts). */
async function udpNoPorts(lab: RunningLab, node: string): Promise<number> {
  const lines = (await lab.exec(node, ['cat', '/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const [head, values] = lines.map((l) => l.trim().split(/\s+/));
  return Number(values![head!.indexOf('NoPorts')]);
}

/** Every server's and the backup dispatcher's configuration, without counters. */
async function serverRules(lab: RunningLab): Promise<string> {
  const nodes = [...lab.state.topology.servers.map((s) => s.name), 'dispatcher2'];
  const cmd = "ip rule; ip route show table all; ip addr | grep -v valid_lft; iptables-save | grep -v '^#' | sed 's/\\[[0-9:]*\\]//'; nft list ruleset | grep -v counter";
  return (await Promise.all(nodes.map(async (n) => `## ${n}\n${(await lab.exec(n, ['sh', '-c', cmd])).stdout}`))).join('\n');
}

/** Host processes whose command line is watchd's for this lab (read only, to assert none is left). */
function daemonsOf(lab: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').includes(`watchd/main.js --lab ${lab}`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Runs the failure, logs and status commands in this process (as `lab ARGS...` would), capturing output and exit code. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('lab').exitOverride();
  registerFailures(program);
  registerLogs(program);
  registerStatus(program);
  const out: string[] = [];
  const log = console.log;
  const write = process.stdout.write;
  console.log = (...parts: unknown[]) => void out.push(`${parts.map(String).join(' ')}\n`);
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'lab', ...args]);
    return { code: 0, stdout: out.join(''), stderr: '' };
  } catch (err) {
    const code = exitCodeOf(err);
    return { code, stdout: out.join(''), stderr: `lab: ${(err as Error).message}\n` };
  } finally {
    console.log = log;
    process.stdout.write = write;
  }
}
