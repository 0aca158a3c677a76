// `lab compare`'s flags, checked before any lab goes up: each bad value is a UsageError (exit 2) naming its flag.
import { parseRate, RATE_RULE } from '../../links/link-shape.js';
import { parseDuration } from '../../load/options.js';
import { isSchemeName, SCHEME_NAMES } from '../../schemes/registry.js';
import { MAX_SERVERS } from '../../topology-file/limits.js';
import { BACKENDS, type BackendChoice, type LinkShape } from '../../topology/types.js';
import { UsageError } from '../../util/errors.js';
import { actionEffect, actionFromWords, type Action } from '../actions.js';

export interface CompareFlags {
  schemes?: string;
  servers?: string;
  duration?: string;
  rate?: string;
  failure?: string;
  shape?: string;
  name?: string;
  backend?: string;
}

export interface CompareOptions {
  schemes: string[];
  servers: number;
  durationMs: number;
  /** the steady runs' offered load, requests/s */
  rate: number;
  /** the failure's words, e.g. ["kill", "s1"] (checked against each scheme's topology once it is built) */
  failure: Action;
  shape?: LinkShape;
  /** the labs' names start with it */
  prefix: string;
  backend?: BackendChoice;
}

export const COMPARE_DEFAULTS = { servers: 4, duration: '5s', rate: 200, failure: 'kill:s1', prefix: 'cmp' } as const;

/** A prefix leaves room in a lab name (10 characters) for the scheme's place in the run and a few letters of its name. */
export const PREFIX = /^[a-z][a-z0-9]{0,5}$/;
const PREFIX_RULE = 'a lowercase letter, then up to 5 lowercase letters or digits (each lab is PREFIX, its place in the run, then its scheme)';

function schemesFlag(text: string | undefined): string[] {
  const names = (text ?? SCHEME_NAMES.join(',')).split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !isSchemeName(n));
  if (names.length === 0 || names.some((n) => n === '')) throw new UsageError(`--schemes: a comma-separated list of schemes (known: ${SCHEME_NAMES.join(', ')}), got "${text}"`);
  if (unknown.length) throw new UsageError(`--schemes: unknown scheme "${unknown[0]}"; known: ${SCHEME_NAMES.join(', ')}`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`--schemes: "${twice}" is named twice`);
  if (names.length > 10) throw new UsageError(`--schemes: at most 10 schemes in one run, got ${names.length}`);
  return names;
}

function durationFlag(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (e) {
    throw new UsageError(`--duration: ${(e as Error).message}`);
  }
  if (ms < 1000 || ms > 600_000) throw new UsageError(`--duration: from 1s to 10m, got "${text}"`);
  return ms;
}

function failureFlag(text: string): Action {
  let action: Action;
  try {
    action = actionFromWords(text.split(':'));
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`--failure: ${e.message.replace(/"([^"]*)"/g, (_m, w: string) => `"${w.split(' ').join(':')}"`)} (written ACTION:NODE, e.g. kill:s1)`);
    throw e;
  }
  if (action.kind === 'scale' || actionEffect(action) !== 'fails') throw new UsageError(`--failure: "${text}" does not fail a node; use kill:NODE, stop:NODE, link:NODE:down or loss:NODE:PERCENT`);
  return action;
}

export function parseCompareFlags(f: CompareFlags): CompareOptions {
  const schemes = schemesFlag(f.schemes);
  const servers = Number(f.servers ?? COMPARE_DEFAULTS.servers);
  if (!/^\d+$/.test(String(f.servers ?? COMPARE_DEFAULTS.servers)) || servers < 2 || servers > MAX_SERVERS) throw new UsageError(`--servers: a whole number from 2 to ${MAX_SERVERS} (one fails under load), got "${f.servers}"`);
  const durationMs = durationFlag(f.duration ?? COMPARE_DEFAULTS.duration);
  const rate = Number(f.rate ?? COMPARE_DEFAULTS.rate);
  if (f.rate !== undefined && (!/^\d+(\.\d+)?$/.test(f.rate.trim()) || !(rate > 0) || rate > 100_000)) throw new UsageError(`--rate: requests per second, more than 0 and at most 100000, got "${f.rate}"`);
  const failure = failureFlag(f.failure ?? COMPARE_DEFAULTS.failure);
  let shape: LinkShape | undefined;
  if (f.shape !== undefined) {
    const bits = parseRate(f.shape);
    if (bits === undefined) throw new UsageError(`--shape: RATE must be ${RATE_RULE}; got "${f.shape}"`);
    shape = { rate: f.shape, rateBits: bits };
  }
  const prefix = f.name ?? COMPARE_DEFAULTS.prefix;
  if (!PREFIX.test(prefix)) throw new UsageError(`--name: "${prefix}" is not a lab name prefix (${PREFIX_RULE})`);
  if (f.backend !== undefined && !(BACKENDS as readonly string[]).includes(f.backend)) throw new UsageError(`--backend: one of ${BACKENDS.join(', ')}, got "${f.backend}"`);
  return { schemes, servers, durationMs, rate, failure, prefix, ...(shape ? { shape } : {}), ...(f.backend ? { backend: f.backend as BackendChoice } : {}) };
}

/** The lab of the i-th scheme of a run: PREFIX, i, then the scheme's name without its non-alphanumerics, cut to a lab name's 10 characters. */
export function compareLabName(prefix: string, index: number, scheme: string): string {
  return `${prefix}${index}${scheme.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 10);
}
