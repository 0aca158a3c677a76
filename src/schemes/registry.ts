// The registry of dispatching schemes: each name is declared here once, with the module that implements it.
import { UsageError } from '../util/errors.js';
import type { Topology } from '../topology/types.js';
import { broadcast } from './broadcast.js';
import { dns } from './dns.js';
import { nat } from './nat.js';
import { routing } from './routing.js';
import { proxy } from './proxy.js';
import { redirect } from './redirect.js';
import type { Scheme, SchemeField } from './scheme.js';
import { tcpRouter } from './tcp-router.js';

const SCHEME_TABLE = { routing, broadcast, nat, 'tcp-router': tcpRouter, proxy, redirect, dns } satisfies Record<string, Scheme>;

export type SchemeName = keyof typeof SCHEME_TABLE;

export const SCHEME_NAMES = Object.keys(SCHEME_TABLE) as SchemeName[];

export function isSchemeName(name: string): name is SchemeName {
  return Object.hasOwn(SCHEME_TABLE, name);
}

export function scheme(name: string): Scheme {
  if (!isSchemeName(name)) throw new UsageError(`unknown scheme "${name}"; known: ${SCHEME_NAMES.join(', ')}`);
  return SCHEME_TABLE[name];
}

/** The scheme a topology names. */
export function schemeOf(t: Pick<Topology, 'scheme'>): Scheme {
  return scheme(t.scheme);
}

/** The schemes that take a scheme-only topology field. */
export function schemesTaking(field: SchemeField): SchemeName[] {
  return SCHEME_NAMES.filter((n) => SCHEME_TABLE[n].fields?.includes(field));
}
