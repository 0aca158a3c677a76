// Whether a server's service answers, as the topology says to ask (TCP connect, HTTP GET, DNS query); watchd's prober and `lab up` use it. CLI: one JSON line per target.
import { request } from 'node:http';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { isMainModule } from '../util/main-module.js';
import { dnsQuery } from './dns-query.js';
import type { ServiceHealth } from './service-spec.js';

export interface HealthTarget {
  name: string;
  address: string;
  port: number;
  health: ServiceHealth;
}

const code = (e: Error): string => (e as NodeJS.ErrnoException).code ?? e.message;

function tcpConnect(address: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (e) => done(code(e)));
    function done(outcome: string | undefined): void {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      socket.destroy();
      resolve(outcome);
    }
  });
}

function httpGet(address: string, port: number, path: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    const req = request({ host: address, port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
    });
    req.on('error', (e) => done(code(e)));
    req.end();
    function done(outcome: string | undefined): void {
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    }
  });
}

/** undefined when the service answered, else why not (timeout, ECONNREFUSED, status 503, rcode 5, ...). */
export async function probeHealth(t: Omit<HealthTarget, 'name'>, timeoutMs: number): Promise<string | undefined> {
  const h = t.health;
  if (h.kind === 'tcp') return tcpConnect(t.address, t.port, timeoutMs);
  if (h.kind === 'http') return httpGet(t.address, t.port, h.path, timeoutMs);
  try {
    const a = await dnsQuery(t.address, t.port, h.name, h.type, timeoutMs);
    return a.rcode === 0 && a.answers.length > 0 ? undefined : `dns rcode ${a.rcode}, ${a.answers.length} answers`;
  } catch (e) {
    return code(e as Error);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { targets: { type: 'string' }, timeout: { type: 'string', default: '1000' } } });
  if (!values.targets) throw new Error('--targets JSON is required');
  const targets = JSON.parse(values.targets) as HealthTarget[];
  const outcomes = await Promise.all(targets.map((t) => probeHealth(t, Number(values.timeout))));
  targets.forEach((t, i) => console.log(JSON.stringify({ name: t.name, ok: outcomes[i] === undefined, ...(outcomes[i] ? { error: outcomes[i] } : {}) })));
}

if (isMainModule(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`health-probe: ${(e as Error).message}`);
    process.exit(1);
  });
}
