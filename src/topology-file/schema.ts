// Zod schema of a topology file as written: strict objects, clear messages, simple defaults filled in.
import { z } from 'zod';
import { isIpv4, parseCidr } from '../net/ipv4.js';
import { DISPATCH_FUNCTION_NAMES, type DispatchFunctionName } from '../dispatch/registry.js';
import { SCHEME_NAMES } from '../schemes/registry.js';
import { BACKENDS } from '../topology/types.js';
import { LAB_NAME, LAB_NAME_RULE } from '../util/lab-name.js';
import { PLACEHOLDERS, placeholdersIn } from '../server/service-spec.js';
import { linksSchema } from '../links/link-schema.js';
import { dnsSchema } from './dns-schema.js';

export { MAX_SERVERS } from './limits.js';
import { MAX_SERVERS } from './limits.js';
export const MAX_BUCKETS = 4096;
export const REDIRECTS = ['suppress', 'allow'] as const;
export const ARP_MODES = ['ghost1', 'direct'] as const;
export const TRANSITIONS = ['graceful', 'abrupt'] as const;
/** transition-timeout: from 1 s to 1 hour. */
export const TRANSITION_TIMEOUT_LIMITS = { minMs: 1000, maxMs: 3_600_000 } as const;
/** Where the routing scheme's dispatch rules run: on a dispatcher node, or in the router itself (paper 4). */
export const DISPATCHER_PLACES = ['node', 'router'] as const;
/** The reverse proxy of the proxy scheme (field proxy.engine). */
export const PROXY_ENGINES = ['haproxy', 'nginx'] as const;

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
  dispatcher: 'node',
  arp: 'ghost1',
  /** offset of ghost1 in the LAN */
  ghost1Offset: 250,
  watchdEnabled: true,
  watchdInterval: '100ms',
  watchdMisses: 3,
  transition: 'abrupt',
  transitionTimeout: '60s',
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

/** A duration field: "100ms", "2s" or milliseconds, a whole number of ms from minMs to maxMs, described by `rule` in messages. */
function durationField(rule: string, minMs: number, maxMs: number) {
  return z.union([z.number(), z.string()], { error: expected(rule) }).transform((v, ctx) => {
    const ms = durationMs(v);
    if (ms === undefined || !Number.isInteger(ms) || ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be ${rule}, got ${show(v)}` });
      return z.NEVER;
    }
    return ms;
  });
}

const interval = durationField(intervalRule, WATCHD_LIMITS.minIntervalMs, WATCHD_LIMITS.maxIntervalMs);

const timeoutRule = `a duration from ${TRANSITION_TIMEOUT_LIMITS.minMs / 1000}s to ${TRANSITION_TIMEOUT_LIMITS.maxMs / 1000}s such as 60s (a plain number is milliseconds)`;

const transitionTimeout = durationField(timeoutRule, TRANSITION_TIMEOUT_LIMITS.minMs, TRANSITION_TIMEOUT_LIMITS.maxMs);

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

const health = z.union(
  [
    z.literal('tcp', { error: expected('tcp, {http: PATH} or {dns: NAME, type: TXT | A}') }),
    z.strictObject({ http: z.string({ error: expected('a path such as /health') }).startsWith('/', { error: 'must be a path starting with /' }) }),
    z.strictObject({ dns: z.string({ error: expected('a name to ask for, e.g. who.lab') }).min(1), type: oneOf(['TXT', 'A'] as const).default('TXT') }),
  ],
  { error: expected('tcp, {http: PATH} or {dns: NAME, type: TXT | A}') },
);

/** The user's own service on every server: any program, with {name}, {address}, {ghost}, ... in its arguments. */
const service = z
  .strictObject(
    {
      command: z
        .array(z.string({ error: expected('a word of the command') }), { error: expected('the command as a list of words, e.g. [dnsmasq, --port={port}]') })
        .min(1, { error: 'needs at least the program' }),
      port: z.int({ error: expected('a port 1..65535') }).min(1, { error: 'must be a port 1..65535' }).max(65535, { error: 'must be a port 1..65535' }),
      protocol: oneOf(['tcp', 'udp'] as const).default('tcp'),
      health: health.optional(),
    },
    { error: expected(`node | nginx, or a mapping (command, port, protocol, health)`) },
  )
  .superRefine((v, ctx) => {
    v.command.forEach((arg, i) => {
      const unknown = placeholdersIn(arg).filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
      if (unknown.length) ctx.addIssue({ code: 'custom', path: ['command', i], message: `unknown placeholder {${unknown[0]}}: one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}` });
    });
    if (v.protocol === 'udp' && (v.health === undefined || v.health === 'tcp' || 'http' in v.health)) {
      ctx.addIssue({ code: 'custom', path: ['health'], message: 'a UDP service needs a probe that speaks UDP: {dns: NAME, type: TXT | A}' });
    }
  });

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
    dispatcher: oneOf(DISPATCHER_PLACES).default(DEFAULTS.dispatcher),
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
    server: z.union([oneOf(SERVER_KINDS), service], { error: expected('node | nginx, or a mapping (command, port, protocol, health)') }).default(DEFAULTS.server),
    watchd,
    transition: oneOf(TRANSITIONS).default(DEFAULTS.transition),
    'transition-timeout': transitionTimeout.prefault(DEFAULTS.transitionTimeout),
    links: linksSchema,
    ftp: z.boolean({ error: expected('true or false') }).default(false),
    nat: z
      .strictObject(
        { 'ftp-helper': z.boolean({ error: expected('true or false') }).default(false) },
        { error: expected('a mapping (ftp-helper)') },
      )
      .optional(),
    dns: dnsSchema,
    proxy: z.strictObject({ engine: oneOf(PROXY_ENGINES).default('haproxy') }, { error: expected('a mapping (engine)') }).optional(),
  },
  { error: expected('a mapping of topology fields') },
);

/** The file's content after validation, defaults filled in. */
export type RawTopology = z.output<typeof topologySchema>;
export type RawServerEntry = z.output<typeof serverEntry>;
