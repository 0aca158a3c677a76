// The `links` field of a topology file: shaping per lab network (rate, delay, jitter), validated with clear messages.
import { z } from 'zod';
import { parseRate, RATE_RULE, type LinkShape } from './link-shape.js';

const DELAY_RULE = 'a duration from 0ms to 10s such as 20ms or 0.5s (a plain number is milliseconds)';

function shown(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return JSON.stringify(v);
}

const rate = z.string({ error: (iss) => `must be ${RATE_RULE}, got ${shown(iss.input)}` }).refine((v) => parseRate(v) !== undefined, {
  error: (iss) => `must be ${RATE_RULE}, got ${shown(iss.input)}`,
});

/** "20ms", "0.5s" or a number of milliseconds, 0..10 s. */
const delay = z.union([z.number(), z.string()], { error: (iss) => `must be ${DELAY_RULE}, got ${shown(iss.input)}` }).transform((v, ctx) => {
  const m = typeof v === 'number' ? [String(v), String(v), 'ms'] : /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!(ms >= 0 && ms <= 10_000)) {
    ctx.addIssue({ code: 'custom', message: `must be ${DELAY_RULE}, got ${shown(v)}` });
    return z.NEVER;
  }
  return ms;
});

const link = z
  .strictObject({ rate: rate.optional(), delay: delay.optional(), jitter: delay.optional() }, { error: (iss) => `must be a mapping (rate, delay, jitter), got ${shown(iss.input)}` })
  .superRefine((v, ctx) => {
    if (v.jitter !== undefined && v.delay === undefined) ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'jitter needs a delay (netem varies the delay by it)' });
  });

/** `links: {lan: {rate: 100mbit}, client: {rate: 10mbit, delay: 20ms, jitter: 5ms}}` (each network optional). */
export const linksSchema = z
  .strictObject({ lan: link.optional(), client: link.optional() }, { error: (iss) => `must be a mapping (lan, client), got ${shown(iss.input)}` })
  .optional();

export type RawLinks = z.output<typeof linksSchema>;

/** A validated link entry as the resolved topology keeps it. */
export function linkShape(raw: NonNullable<NonNullable<RawLinks>['lan']>): LinkShape {
  return {
    ...(raw.rate === undefined ? {} : { rate: raw.rate, rateBits: parseRate(raw.rate)! }),
    ...(raw.delay === undefined ? {} : { delayMs: raw.delay }),
    ...(raw.jitter === undefined ? {} : { jitterMs: raw.jitter }),
  };
}

/** The resolved `links` field: only the networks the file shapes. */
export function resolveLinks(raw: RawLinks): { lan?: LinkShape; client?: LinkShape } {
  return {
    ...(raw?.lan ? { lan: linkShape(raw.lan) } : {}),
    ...(raw?.client ? { client: linkShape(raw.client) } : {}),
  };
}
