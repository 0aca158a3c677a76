// Test helper of the backend contract suite: a TCP hello server and client run inside nodes, polling, pid liveness, and the checks every backend passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { BackendError, type Backend, type ProcessRecord } from '../../src/backends/backend.js';

export const NODE = process.execPath;
export const PORT = 7070;

/** A TCP server answering "hi from <tag>", for connectivity checks without ping. */
export function serverArgv(tag: string): string[] {
  const code = `require('net').createServer((s) => s.end('hi from ${tag}')).listen(${PORT}, '0.0.0.0')`;
  return [NODE, '-e', code];
}

/** Connects from `node` to addr:PORT; resolves to the reply, or '' when it fails. */
export async function tcpHello(b: Backend, node: string, addr: string, timeoutMs = 1000): Promise<string> {
  const code =
    `const s = require('net').connect(${PORT}, '${addr}'); let d = '';` +
    `s.setTimeout(${timeoutMs}, () => process.exit(2)); s.on('data', (c) => (d += c));` +
    `s.on('end', () => { process.stdout.write(d); process.exit(0); }); s.on('error', () => process.exit(1));`;
  const r = await b.exec(node, [NODE, '-e', code], { timeoutMs: timeoutMs + 3000 });
  return r.exitCode === 0 ? r.stdout : '';
}

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 5000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A host pid that is alive and not a zombie (a zombie waits only for its parent to reap it). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Waits for a condition with the backend's own patience. */
export type Wait = (what: string, fn: () => Promise<boolean>) => Promise<void>;

/** The small lab's two /24 networks by their first three octets: h1 a.10, h2 a.11, r a.1 and b.1, h3 b.10. */
export interface Nets {
  a: string;
  b: string;
}

const re = (octets: string): string => octets.replace(/\./g, '\\.');

/** The small lab's addresses: named and up as the spec says, IPv4 only. */
export async function checkAddresses(t: Test, b: Backend, nets: Nets): Promise<void> {
  const [a, bb] = [re(nets.a), re(nets.b)];
  const addr = async (node: string): Promise<string> => (await b.exec(node, ['ip', '-br', 'addr'])).stdout;
  t.match(await addr('h1'), new RegExp(`^eth0@\\S+\\s+UP\\s+${a}\\.10\\/24\\s*$`, 'm'), 'h1 has its address, link up');
  t.match(await addr('h1'), /^lo\s+UNKNOWN\s+127\.0\.0\.1\/8\s*$/m, 'lo is up, IPv4 only');
  const r = await addr('r');
  t.match(r, new RegExp(`^eth0@\\S+\\s+UP\\s+${a}\\.1\\/24`, 'm'), 'router eth0 named as the spec says');
  t.match(r, new RegExp(`^eth1@\\S+\\s+UP\\s+${bb}\\.1\\/24`, 'm'), 'router eth1 named as the spec says');
  t.notMatch(r, /fe80|::1/, 'no IPv6 addresses');
  t.match(await addr('h3'), new RegExp(`${bb}\\.10\\/24`));
}

/** The exec contract: stdin, exit code, timeout (124), a background child holding stdout, an unknown node. */
export async function checkExecContract(t: Test, b: Backend): Promise<void> {
  const echo = await b.exec('h1', ['cat'], { input: 'hello\n' });
  t.same(echo, { exitCode: 0, stdout: 'hello\n', stderr: '' }, 'stdin reaches the command');
  t.equal((await b.exec('h1', ['sh', '-c', 'exit 3'])).exitCode, 3, 'exit code passes through');
  const slow = await b.exec('h1', ['sleep', '5'], { timeoutMs: 200 });
  t.equal(slow.exitCode, 124, 'timeout gives exit code 124');
  const t1 = Date.now();
  const bg = await b.exec('h1', ['sh', '-c', 'sleep 30 & echo hi']);
  t.same([bg.exitCode, bg.stdout], [0, 'hi\n'], 'a background child holding stdout does not block exec');
  t.ok(Date.now() - t1 < 5000, 'exec returned soon after the command ended');
  await t.rejects(b.exec('nosuch', ['true']), BackendError, 'unknown node is a BackendError');
}

/** Spawned servers on h2 and h3: h1 reaches h2 on network a and h3 through the router; h2 has no route back to h3. */
export async function checkForwarding(t: Test, b: Backend, nets: Nets, logDir: string, wait: Wait): Promise<ProcessRecord[]> {
  // routes are the plans' business; add them by hand for the cross-network check
  await b.exec('h1', ['ip', 'route', 'add', `${nets.b}.0/24`, 'via', `${nets.a}.1`]);
  await b.exec('h3', ['ip', 'route', 'add', `${nets.a}.0/24`, 'via', `${nets.b}.1`]);
  const s2 = await b.spawn('h2', 'tcp', serverArgv('h2'), { logDir });
  const s3 = await b.spawn('h3', 'tcp', serverArgv('h3'), { logDir });
  t.equal(s2.logFile, join(logDir, 'h2-tcp.log'));
  t.match(s2.startTime, /^\d+$/);
  t.equal(await b.isRunning(s2), true, 'server on h2 running');
  await wait('h2 server', async () => (await tcpHello(b, 'h1', `${nets.a}.11`)) === 'hi from h2');
  t.pass('h1 reaches h2 across network a');
  await wait('h3 server', async () => (await tcpHello(b, 'h1', `${nets.b}.10`)) === 'hi from h3');
  t.pass('h1 reaches h3 through the forwarding router');
  t.equal(await tcpHello(b, 'h3', `${nets.a}.11`, 500), '', 'h2 has no route back to network b, so h3 gets no answer');
  return [s2, s3];
}

/** h2's eth0 down cuts it off; up brings it back; an unknown interface is refused. */
export async function checkLinkDownUp(t: Test, b: Backend, nets: Nets, wait: Wait): Promise<void> {
  await b.setLink('h2', 'eth0', false);
  t.equal(await tcpHello(b, 'h1', `${nets.a}.11`, 500), '', 'no connectivity with h2 eth0 down');
  await b.setLink('h2', 'eth0', true);
  await wait('h2 back', async () => (await tcpHello(b, 'h1', `${nets.a}.11`)) === 'hi from h2');
  t.pass('connectivity back with eth0 up');
  await t.rejects(b.setLink('h2', 'nope0', false), BackendError, 'unknown interface is a BackendError');
}
