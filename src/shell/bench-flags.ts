// `bench start [FLAGS]` of the shell, pure: the words after `start` -> the flags of `lab bench` (a long run unless --duration is given).
import { parseArgs } from 'node:util';
import type { BenchFlags } from '../lab/bench.js';
import { UsageError } from '../util/errors.js';

/** How long a shell bench runs when no --duration is given: until `bench stop`, in practice. */
export const SHELL_BENCH_DURATION = '60m';

/** `lab bench`'s flags that `bench start` takes, as --kebab-case -> BenchFlags key. */
const FLAGS = {
  target: 'target',
  port: 'port',
  duration: 'duration',
  rate: 'rate',
  concurrency: 'concurrency',
  mode: 'mode',
  clients: 'clients',
  skew: 'skew',
  'clients-from': 'clientsFrom',
  bytes: 'bytes',
  timeout: 'timeout',
  workers: 'workers',
  seed: 'seed',
} as const satisfies Record<string, keyof BenchFlags>;

/** The flags, for tab completion. */
export const BENCH_FLAG_WORDS: readonly string[] = Object.keys(FLAGS).map((f) => `--${f}`);

export function parseBenchFlags(words: readonly string[]): BenchFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }]));
    ({ values } = parseArgs({ args: [...words], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`bench start: ${(err as Error).message.replace(/\. To specify a positional.*$/s, '')} (flags: ${BENCH_FLAG_WORDS.join(' ')})`);
  }
  const flags: BenchFlags = { duration: SHELL_BENCH_DURATION };
  for (const [flag, key] of Object.entries(FLAGS)) if (typeof values[flag] === 'string') flags[key] = values[flag];
  return flags;
}
