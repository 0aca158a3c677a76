// Test helper shared by the backend contract tests: a TCP hello server and client run inside nodes, polling, pid liveness.
import { readFileSync } from 'node:fs';
import type { Backend } from '../../src/backends/backend.js';

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
