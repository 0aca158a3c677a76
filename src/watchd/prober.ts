// watchd's prober, run inside the router: every interval it probes each server and each dispatcher at once and prints each round as one JSON line.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { ProberConfig } from './config.js';
import { httpHealth, tcpHandshake, type ProbeOutcome } from './probes.js';
import { probeHealth } from '../server/health-probe.js';
import type { ProbeRound } from './round.js';

/** Picks local ports round robin in each dispatcher's range. */
class PortCycle {
  private next = 0;
  constructor(private readonly range: [number, number]) {}
  take(): number {
    const port = this.range[0] + this.next;
    this.next = (this.next + 1) % (this.range[1] - this.range[0] + 1);
    return port;
  }
}

/** The server dispatcher probes go to: the first one that answered last round (s0 before any round). */
function pickVia(config: ProberConfig, answered: Set<string>): ProberConfig['servers'][number] {
  return config.servers.find((s) => answered.has(s.name)) ?? config.servers[0]!;
}

async function probeRound(config: ProberConfig, r: number, answered: Set<string>, ports: PortCycle[]): Promise<ProbeRound> {
  const t = Date.now();
  const via = pickVia(config, answered);
  const [servers, dispatchers] = await Promise.all([
    Promise.all(config.servers.map((s) => (s.health ? probeHealth({ ...s, health: s.health }, config.timeoutMs) : httpHealth(s.address, s.port, config.timeoutMs)))),
    Promise.all(config.dispatchers.map((_, i) => tcpHandshake(via.address, via.port, config.source, ports[i]!.take(), config.timeoutMs))),
  ]);
  const fail: Record<string, string> = {};
  config.servers.forEach((s, i) => record(fail, s.name, servers[i]));
  const viaFailed = via.name in fail;
  config.dispatchers.forEach((d, i) => viaFailed || record(fail, d.name, dispatchers[i]));
  const round: ProbeRound = { r, t, ms: Date.now() - t, fail };
  if (config.dispatchers.length > 0) {
    round.via = via.name;
    if (viaFailed) round.skip = config.dispatchers.map((d) => d.name);
  }
  return round;
}

function record(fail: Record<string, string>, name: string, outcome: ProbeOutcome): void {
  if (outcome !== undefined) fail[name] = outcome;
}

/** Starts a round on every interval (a probe may take two, so rounds overlap) and prints the rounds in the order they started. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (!values.config) throw new Error('--config JSON is required');
  const config = JSON.parse(values.config) as ProberConfig;
  const ports = config.dispatchers.map((d) => new PortCycle(d.ports));
  let answered = new Set(config.servers.map((s) => s.name));
  let printed: Promise<void> = Promise.resolve();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(0));
  const start = Date.now();
  for (let slot = 0, r = 0; ; r++) {
    const pending = probeRound(config, r, answered, ports);
    printed = printed.then(async () => {
      const round = await pending;
      answered = new Set(config.servers.filter((s) => !(s.name in round.fail)).map((s) => s.name));
      process.stdout.write(`${JSON.stringify(round)}\n`);
    });
    // rounds start on the interval's grid; slots missed while this process was not scheduled are skipped, not caught up
    slot = Math.max(slot + 1, Math.ceil((Date.now() - start) / config.intervalMs));
    await sleep(Math.max(0, start + slot * config.intervalMs - Date.now()));
  }
}

main().catch((e: unknown) => {
  console.error(`watchd-probe: ${(e as Error).message}`);
  process.exit(1);
});
