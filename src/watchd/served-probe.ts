// Failover measurement, run inside the client: each given source address GETs the ghost every interval for a while; prints when each one's outcome changed.
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

/** [start of the attempt (ms since the epoch), "ok:s2" | "error:timeout"] at each change of outcome. */
export type Change = [number, string];

export interface ServedLog {
  from: Record<string, Change[]>;
  /** per address, the start of its last attempt that failed (null: none failed) */
  last_error: Record<string, number | null>;
}

interface Followed {
  changes: Change[];
  lastError: number | null;
}

function attempt(target: string, port: number, from: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done('error:timeout'), timeoutMs);
    const req = request({ host: target, port, path: '/', localAddress: from, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200 ? `ok:${String(res.headers['x-served-by'] ?? '')}` : `error:status ${res.statusCode}`));
    });
    req.on('error', (e) => done(`error:${(e as NodeJS.ErrnoException).code ?? e.message}`));
    req.end();
    function done(outcome: string): void {
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    }
  });
}

/** Attempts from one address on a fixed grid, one every interval until the deadline (a slow attempt does not delay the next); records changes of outcome. */
async function follow(target: string, port: number, from: string, intervalMs: number, timeoutMs: number, until: number): Promise<Followed> {
  const attempts: Promise<Change>[] = [];
  for (let t = Date.now(); t < until; t += intervalMs) {
    await sleep(Math.max(0, t - Date.now()));
    const start = Date.now();
    attempts.push(attempt(target, port, from, timeoutMs).then((outcome): Change => [start, outcome]));
  }
  const changes: Change[] = [];
  let lastError: number | null = null;
  for (const [t, outcome] of await Promise.all(attempts)) {
    if (changes.at(-1)?.[1] !== outcome) changes.push([t, outcome]);
    if (outcome.startsWith('error:')) lastError = t;
  }
  return { changes, lastError };
}

/**
 * When every address was served for good: per address, the start of the first attempt of its last run of `good`
 * outcomes (since `since` at the earliest); the latest of those, minus `since`. undefined when some address ended bad.
 */
export function servedAgainAfter(log: ServedLog, since: number, good: (from: string, outcome: string) => boolean): number | undefined {
  let latest = since;
  for (const [from, changes] of Object.entries(log.from)) {
    const last = changes.at(-1);
    if (!last || !good(from, last[1])) return undefined;
    latest = Math.max(latest, last[0]);
  }
  return latest - since;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      port: { type: 'string', default: '80' },
      from: { type: 'string' },
      interval: { type: 'string', default: '50' },
      timeout: { type: 'string', default: '250' },
      duration: { type: 'string', default: '5000' },
    },
  });
  if (!values.target || !values.from) throw new Error('--target ADDRESS and --from A,B,C are required');
  const until = Date.now() + Number(values.duration);
  const froms = values.from.split(',');
  const runs = await Promise.all(froms.map((f) => follow(values.target!, Number(values.port), f, Number(values.interval), Number(values.timeout), until)));
  const log: ServedLog = {
    from: Object.fromEntries(froms.map((f, i) => [f, runs[i]!.changes])),
    last_error: Object.fromEntries(froms.map((f, i) => [f, runs[i]!.lastError])),
  };
  process.stdout.write(`${JSON.stringify(log)}\n`);
}

if (process.argv[1]?.endsWith('served-probe.js')) {
  main().catch((e: unknown) => {
    console.error(`served-probe: ${(e as Error).message}`);
    process.exit(1);
  });
}
