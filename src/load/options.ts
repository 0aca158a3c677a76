// The load CLI's flags -> LoadOptions; every bad flag becomes a LoadUsageError naming it (the CLI exits 2).
import { parseArgs } from 'node:util';
import { drawFromPopulation, parseSkew, readClientsFile, skewWeights } from './client-set.js';
import { isIpv4, parseCidr } from '../net/ipv4.js';
import { LoadUsageError } from './errors.js';
import { parseFollowRedirects } from './redirect.js';
import type { LoadOptions } from './run-load.js';
import { splitTargetUrl } from './target-url.js';
import { parseResolver } from './name-resolver.js';

export const USAGE = `usage: node dist/src/load/main.js --target ADDR [--port 80] [--duration 5s]
         (--rate R | --concurrency C) [--mode keepalive|close]
         (--population CIDR [--clients 100] | --clients-from FILE [--clients N])
         [--skew uniform|zipf:S] [--seed 1] [--path / | --bytes N] [--timeout 2s]
         [--workers 1] [--requests-per-connection K] [--json] [--progress] [--records] [--start-at EPOCH_MS]
         [--resolver ADDR[:PORT]] [--follow-redirects CIDR,...]
  --target         an address, a name, or http://NAME[:PORT]/PATH
  --resolver       the target is a name each client resolves itself by asking this server (resolve4 with TTLs):
                   its own cache per client address for the answer's TTL, the first address used
  --rate R         open loop: R requests/s at constant arrival; latency from the intended send time
  --concurrency C  closed loop: C requests in flight
  --mode           keepalive: each connection (pooled per client address) lasts the whole run; close: one connection per request
  --requests-per-connection K
                   keepalive: the client closes each connection after K responses (default: never)
  --records        the JSON result lists every request: [client, start ms, end ms, server or !error]
                   (and every connection, which keepalive mode always lists)
  --start-at       start sending at this Date.now() time (ms), e.g. to line up with a timeline
  --follow-redirects CIDR,...
                   follow one 3xx whose Location is http://ADDRESS[:PORT]/PATH with ADDRESS in these networks,
                   over a connection of its own (Connection: close); a Location elsewhere is an error
                   (other: REDIRECT_OUTSIDE_LAB), never followed. Records then end with the connections used (1 or 2)
  SIGTERM/SIGINT   end the sending window early; requests in flight finish and the result is printed
  durations: 500ms, 5s, 1.5m, 1h or a plain number of seconds`;

export interface LoadCli {
  help: boolean;
  json: boolean;
  progress: boolean;
  load: LoadOptions;
}

const OPTIONS = {
  target: { type: 'string' },
  port: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  mode: { type: 'string' },
  clients: { type: 'string' },
  population: { type: 'string' },
  'clients-from': { type: 'string' },
  skew: { type: 'string' },
  seed: { type: 'string' },
  path: { type: 'string' },
  bytes: { type: 'string' },
  timeout: { type: 'string' },
  workers: { type: 'string' },
  'requests-per-connection': { type: 'string' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  records: { type: 'boolean' },
  'start-at': { type: 'string' },
  resolver: { type: 'string' },
  'follow-redirects': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "5s", "1.5m", "1h", "2" (seconds) -> milliseconds; throws RangeError. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new RangeError(`expected a duration like 500ms, 5s, 1m or 1h, got "${text}"`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (!(ms > 0)) throw new RangeError(`must be more than zero, got "${text}"`);
  return ms;
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new LoadUsageError(flag, `expected an integer ${min}..${max}, got "${text}"`);
  }
  return Number(text);
}

function wrap<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LoadUsageError) throw e;
    throw new LoadUsageError(flag, (e as Error).message);
  }
}

/** Parses the CLI's argv (without node and script); reads --clients-from. */
export function parseLoadArgs(argv: string[]): LoadCli {
  let values: { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /'(-[^' ]+)/.exec(msg)?.[1] ?? 'arguments';
    throw new LoadUsageError(flag, msg.replace(/\. To specify a positional.*$/s, ''));
  }
  const v = values;
  const help = v.help === true;
  if (help) return { help, json: false, progress: false, load: undefined as unknown as LoadOptions };

  if (!v.target) throw new LoadUsageError('--target', 'required (the address to load, e.g. the ghost IP)');
  Object.assign(v, splitTargetUrl({ target: v.target, port: v.port, path: v.path }));
  const resolver = v.resolver === undefined ? undefined : parseResolver(v.resolver);
  if (v.resolver !== undefined && !resolver) throw new LoadUsageError('--resolver', `expected an IPv4 address with an optional :PORT, got "${v.resolver}"`);
  if (resolver && isIpv4(v.target!)) throw new LoadUsageError('--resolver', `the target ${v.target} is an address: --resolver needs a name to resolve`);
  if (!/^[A-Za-z0-9.-]+$/.test(v.target)) throw new LoadUsageError('--target', `expected an IPv4 address or host name, got "${v.target}"`);
  const port = v.port === undefined ? 80 : integer('--port', v.port, 1, 65535);
  const durationMs = wrap('--duration', () => parseDuration(v.duration ?? '5s'));
  if (durationMs > 24 * 3600_000) throw new LoadUsageError('--duration', 'at most 24h');
  const timeoutMs = wrap('--timeout', () => parseDuration(v.timeout ?? '2s'));
  if (timeoutMs > 600_000) throw new LoadUsageError('--timeout', 'at most 10m');

  if (v.rate !== undefined && v.concurrency !== undefined) throw new LoadUsageError('--rate', 'give either --rate (open loop) or --concurrency (closed loop), not both');
  let loop: LoadOptions['loop'];
  if (v.rate !== undefined) {
    const rate = Number(v.rate);
    if (!/^\d+(\.\d+)?$/.test(v.rate.trim()) || !(rate > 0) || rate > 1e7) throw new LoadUsageError('--rate', `expected requests per second > 0, got "${v.rate}"`);
    loop = { kind: 'open', rate };
  } else if (v.concurrency !== undefined) {
    loop = { kind: 'closed', concurrency: integer('--concurrency', v.concurrency, 1, 1_000_000) };
  } else throw new LoadUsageError('--rate', 'one of --rate R (open loop) or --concurrency C (closed loop) is required');

  const mode = v.mode ?? 'keepalive';
  if (mode !== 'keepalive' && mode !== 'close') throw new LoadUsageError('--mode', `expected keepalive or close, got "${mode}"`);
  const perConnText = v['requests-per-connection'];
  const requestsPerConnection = perConnText === undefined ? undefined : integer('--requests-per-connection', perConnText, 1, 1_000_000_000);
  if (requestsPerConnection !== undefined && mode !== 'keepalive') {
    throw new LoadUsageError('--requests-per-connection', 'only with --mode keepalive (close mode sends one request per connection)');
  }

  if (v.path !== undefined && v.bytes !== undefined) throw new LoadUsageError('--bytes', '--bytes N requests /bytes/N; do not give --path too');
  let path = v.path ?? '/';
  if (!/^\/[\x21-\x7e]*$/.test(path)) throw new LoadUsageError('--path', `expected a path starting with / and without spaces, got "${path}"`);
  if (v.bytes !== undefined) path = `/bytes/${integer('--bytes', v.bytes, 0, 100 * 1024 * 1024)}`;

  const skew = wrap('--skew', () => parseSkew(v.skew ?? 'uniform'));
  const seed = v.seed === undefined ? 1 : integer('--seed', v.seed, 0, 0xffffffff);
  const workers = v.workers === undefined ? 1 : integer('--workers', v.workers, 1, 64);

  if (v.population !== undefined && v['clients-from'] !== undefined) throw new LoadUsageError('--clients-from', 'give either --population or --clients-from, not both');
  let addresses: string[];
  if (v['clients-from'] !== undefined) {
    addresses = readClientsFile(v['clients-from']);
    if (v.clients !== undefined) {
      const n = integer('--clients', v.clients, 1, addresses.length);
      addresses = addresses.slice(0, n);
    }
  } else if (v.population !== undefined) {
    const n = v.clients === undefined ? 100 : integer('--clients', v.clients, 1, 16_777_216);
    const population = v.population;
    wrap('--population', () => parseCidr(population));
    addresses = wrap('--clients', () => drawFromPopulation(population, n, seed));
  } else throw new LoadUsageError('--population', 'one of --population CIDR or --clients-from FILE is required');

  const follow = v['follow-redirects'];
  if (follow !== undefined) wrap('--follow-redirects', () => parseFollowRedirects(follow));
  const startAt = v['start-at'];
  if (startAt !== undefined && !/^\d{10,16}$/.test(startAt.trim())) throw new LoadUsageError('--start-at', `expected a Date.now() time in milliseconds, got "${startAt}"`);
  return {
    help,
    json: v.json === true,
    progress: v.progress === true,
    load: {
      target: v.target,
      port,
      path,
      mode,
      loop,
      durationMs,
      timeoutMs,
      clients: { addresses, weights: skewWeights(addresses.length, skew) },
      workers,
      seed,
      records: v.records === true,
      connectionRecords: mode === 'keepalive' || v.records === true,
      ...(requestsPerConnection !== undefined ? { requestsPerConnection } : {}),
      ...(startAt !== undefined ? { startAtEpochMs: Number(startAt) } : {}),
      ...(resolver ? { resolver } : {}),
      ...(follow !== undefined ? { followRedirects: follow.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    },
  };
}
