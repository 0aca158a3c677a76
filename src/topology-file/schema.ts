// Zod schema of a topology file as written: strict objects, clear messages, simple defaults filled in.
import { z } from 'zod';
import { isIpv4, parseCidr } from '../net/ipv4.js';
import { DISPATCH_FUNCTION_NAMES, type DispatchFunctionName } from '../dispatch/registry.js';
import { SCHEME_NAMES } from '../schemes/registry.js';
import { BACKENDS } from '../topology/types.js';
import { LAB_NAME, LAB_NAME_RULE } from '../util/lab-name.js';
import { linksSchema } from '../links/link-schema.js';

export const MAX_SERVERS = 250;
export const MAX_BUCKETS = 4096;
export const REDIRECTS = ['suppress', 'allow'] as const;
export const ARP_MODES = ['ghost1', 'direct'] as const;

/** Defaults of the optional fields (DESIGN.md "Default address plan"); ghost1 and dispatchers depend on others. */
export const SERVER_KINDS = ['node', 'nginx'] as const;

export const DEFAULTS = {
  server: 'node',
  backend: 'auto',
  ghost: '10.0.0.100',
  lan: '10.0.1.0/24',
  clientLink: '198.18.0.0/24',
  clientPopulation: '198.18.128.0/17',
  servers: 4,
  function: 'modulo',
  buckets: 256,
  redirects: 'suppress',
  arp: 'ghost1',
  /** offset of ghost1 in the LAN */
  ghost1Offset: 250,
  watchdEnabled: true,
  watchdInterval: '100ms',
  watchdMisses: 3,
} as const;

/** watchd's probe interval: from 10 ms to 60 s; at most 1000 misses. */
export const WATCHD_LIMITS = { minIntervalMs: 10, maxIntervalMs: 60_000, maxMisses: 1000 } as const;

/** A value as shown in a message. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Error function: "required: X" when absent, else "must be X, got Y". */
function expected(what: string) {
  return (iss: { input?: unknown }) =>
    iss.input === undefined ? `required: ${what}` : `must be ${what}, got ${show(iss.input)}`;
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: expected(`one of ${values.join(' | ')}`) });
}

const ipv4 = z
  .string({ error: expected('an IPv4 address (a.b.c.d)') })
  .refine(isIpv4, { error: (iss) => `must be an IPv4 address (a.b.c.d), got ${show(iss.input)}` });

const cidr = z.string({ error: expected('an IPv4 prefix (a.b.c.d/len)') }).superRefine((v, ctx) => {
  try {
    parseCidr(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const weightMessage = expected('an integer >= 1');
const weight = z.int({ error: weightMessage }).min(1, { error: weightMessage });

const countMessage = (iss: { input?: unknown }) =>
  `must be between 1 and ${MAX_SERVERS} servers, got ${Array.isArray(iss.input) ? iss.input.length : show(iss.input)}`;

const serverEntry = z.strictObject(
  { weight: weight.optional(), address: ipv4.optional() },
  { error: expected('a mapping (weight, address)') },
);

const servers = z.union(
  [
    z.int().min(1, { error: countMessage }).max(MAX_SERVERS, { error: countMessage }),
    z.array(serverEntry).min(1, { error: countMessage }).max(MAX_SERVERS, { error: countMessage }),
  ],
  { error: expected(`a count (1..${MAX_SERVERS}) or a list of servers`) },
);

const labName = z.string({ error: expected(`a lab name (${LAB_NAME_RULE})`) }).regex(LAB_NAME, {
  error: (iss) => `must be ${LAB_NAME_RULE} (it goes into netns and Docker names), got ${show(iss.input)}`,
});

const bucketsMessage = expected(`an integer from 1 to ${MAX_BUCKETS}`);

const intervalRule = `a duration from ${WATCHD_LIMITS.minIntervalMs}ms to ${WATCHD_LIMITS.maxIntervalMs / 1000}s such as 100ms or 0.5s (a plain number is milliseconds)`;

/** "100ms", "0.5s", "2s" or a number of milliseconds -> milliseconds; undefined when it is none of these. */
export function durationMs(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

const interval = z
  .union([z.number(), z.string()], { error: expected(intervalRule) })
  .transform((v, ctx) => {
    const ms = durationMs(v);
    if (ms === undefined || !Number.isInteger(ms) || ms < WATCHD_LIMITS.minIntervalMs || ms > WATCHD_LIMITS.maxIntervalMs) {
      ctx.addIssue({ code: 'custom', message: `must be ${intervalRule}, got ${show(v)}` });
      return z.NEVER;
    }
    return ms;
  });

const missesMessage = expected(`an integer from 1 to ${WATCHD_LIMITS.maxMisses}`);

const watchd = z
  .strictObject(
    {
      enabled: z.boolean({ error: expected('true or false') }).default(DEFAULTS.watchdEnabled),
      interval: interval.prefault(DEFAULTS.watchdInterval),
      misses: z
        .int({ error: missesMessage })
        .min(1, { error: missesMessage })
        .max(WATCHD_LIMITS.maxMisses, { error: missesMessage })
        .default(DEFAULTS.watchdMisses),
    },
    { error: expected('a mapping (enabled, interval, misses)') },
  )
  .prefault({});

export const topologySchema = z.strictObject(
  {
    name: labName,
    scheme: oneOf(SCHEME_NAMES as [string, ...string[]]),
    backend: oneOf(BACKENDS).default(DEFAULTS.backend),
    ghost: ipv4.default(DEFAULTS.ghost),
    lan: cidr.default(DEFAULTS.lan),
    client: z
      .strictObject(
        { link: cidr.default(DEFAULTS.clientLink), population: cidr.default(DEFAULTS.clientPopulation) },
        { error: expected('a mapping (link, population)') },
      )
      .prefault({}),
    servers: servers.default(DEFAULTS.servers),
    dispatchers: z.int({ error: expected('an integer') }).optional(),
    dispatch: z
      .strictObject(
        {
          function: oneOf(DISPATCH_FUNCTION_NAMES as [DispatchFunctionName, ...DispatchFunctionName[]]).default(DEFAULTS.function),
          buckets: z
            .int({ error: bucketsMessage })
            .min(1, { error: bucketsMessage })
            .max(MAX_BUCKETS, { error: bucketsMessage })
            .default(DEFAULTS.buckets),
        },
        { error: expected('a mapping (function, buckets)') },
      )
      .prefault({}),
    redirects: oneOf(REDIRECTS).default(DEFAULTS.redirects),
    arp: oneOf(ARP_MODES).default(DEFAULTS.arp),
    ghost1: ipv4.optional(),
    server: oneOf(SERVER_KINDS).default(DEFAULTS.server),
    watchd,
    links: linksSchema,
  },
  { error: expected('a mapping of topology fields') },
);

/** The file's content after validation, defaults filled in. */
export type RawTopology = z.output<typeof topologySchema>;
export type RawServerEntry = z.output<typeof serverEntry>;
