// The `dns` field of a topology file (the dns scheme): the service's name, its TTL, and an optional caching resolver between clients and the name server.
import { z } from 'zod';
import type { DnsSpec } from '../topology/types.js';

/** The name the service is published under when the file gives none. */
export const DEFAULT_DNS_NAME = 'www.oneip.lab';
export const DEFAULT_DNS_TTL = 5;
/** TTLs from 0 (no caching) to one day, in seconds. */
export const MAX_DNS_TTL = 86_400;

const NAME_RULE = 'a DNS name of at least two labels (letters, digits, hyphens), such as www.oneip.lab';
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function shown(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return JSON.stringify(v);
}

/** Whether `v` is a lower-case DNS name of two labels or more (no trailing dot), at most 253 characters. */
export function isDnsName(v: string): boolean {
  const labels = v.split('.');
  return v.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

const name = z.string({ error: (iss) => `must be ${NAME_RULE}, got ${shown(iss.input)}` }).refine(isDnsName, { error: (iss) => `must be ${NAME_RULE}, got ${shown(iss.input)}` });

const seconds = (what: string) => {
  const message = (iss: { input?: unknown }) => `must be ${what}: a whole number of seconds from 0 to ${MAX_DNS_TTL}, got ${shown(iss.input)}`;
  return z.int({ error: message }).min(0, { error: message }).max(MAX_DNS_TTL, { error: message });
};

/** `dns: {name: www.oneip.lab, ttl: 5, cache: true, min-ttl: 300}`, every key optional. */
export const dnsSchema = z
  .strictObject(
    {
      name: name.default(DEFAULT_DNS_NAME),
      ttl: seconds('the TTL of the answers').default(DEFAULT_DNS_TTL),
      cache: z.boolean({ error: (iss) => `must be true or false, got ${shown(iss.input)}` }).default(false),
      'min-ttl': seconds("the cache's minimum TTL").optional(),
    },
    { error: (iss) => `must be a mapping (name, ttl, cache, min-ttl), got ${shown(iss.input)}` },
  )
  .superRefine((v, ctx) => {
    if (v['min-ttl'] !== undefined && !v.cache) ctx.addIssue({ code: 'custom', path: ['min-ttl'], message: 'min-ttl is the caching resolver\'s: it needs cache: true' });
  })
  .optional();

export type RawDns = z.output<typeof dnsSchema>;

/** The resolved `dns` field: defaults when the scheme publishes by name and the file gives none. */
export function resolveDns(raw: RawDns): DnsSpec {
  const r = raw ?? { name: DEFAULT_DNS_NAME, ttl: DEFAULT_DNS_TTL, cache: false };
  return {
    name: r.name,
    zone: r.name.slice(r.name.indexOf('.') + 1),
    ttl: r.ttl,
    ...(r.cache ? { cache: { minTtl: r['min-ttl'] ?? 0 } } : {}),
  };
}
