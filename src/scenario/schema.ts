// Zod schema of a scenario file as written: strict objects; meaning (nodes, times, phases) is checked when it is resolved.
import { z } from 'zod';
import { ACTION_FORMS } from '../lab/actions.js';
import { show } from '../topology-file/schema.js';
import { LAB_NAME, LAB_NAME_RULE } from '../util/lab-name.js';

function expected(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${what}` : `must be ${what}, got ${show(iss.input)}`);
}

/** A time: "3s", "500ms", "1.5m", or a plain number of seconds. */
const time = z.union([z.number(), z.string()], { error: expected('a time such as 3s, 500ms or 1.5m') });

const loadSchema = z.strictObject(
  {
    duration: time,
    rate: z.number({ error: expected('requests per second (a number > 0)') }).positive({ error: 'must be more than 0' }).optional(),
    concurrency: z.number({ error: expected('requests in flight (a whole number)') }).int().positive().optional(),
    mode: z.enum(['close', 'keepalive'], { error: expected('close | keepalive') }).optional(),
    clients: z.number({ error: expected('a number of client addresses') }).int({ error: 'must be a whole number' }).min(1).optional(),
    timeout: time.optional(),
    seed: z.number({ error: expected('a whole number') }).int().min(0).optional(),
    workers: z.number({ error: expected('a whole number of threads') }).int().min(1).max(64).optional(),
    skew: z.string({ error: expected('uniform or zipf:S') }).optional(),
    bytes: z.number({ error: expected('a number of bytes') }).int().min(0).optional(),
  },
  { error: expected('a mapping of load settings (duration, rate, mode, clients, ...)') },
);

const entrySchema = z.strictObject(
  {
    at: time,
    do: z.string({ error: expected(`an action: ${ACTION_FORMS}`) }),
    phase: z.string({ error: expected('a phase name') }).min(1).optional(),
  },
  { error: expected('a mapping with at and do (and optionally phase)') },
);

/** An assertion: a bare name, or a mapping of one name to its settings; checked in resolve. */
const assertionSchema = z.union([z.string(), z.record(z.string(), z.unknown())], { error: expected('an assertion name or a mapping of one') });

export const scenarioSchema = z.strictObject(
  {
    description: z.string({ error: expected('a text') }).optional(),
    lab: z
      .string({ error: expected('a lab name') })
      .regex(LAB_NAME, { error: `must be a lab name: ${LAB_NAME_RULE}` })
      .optional(),
    topology: z.string({ error: expected('the path of a topology file, relative to the scenario file') }),
    load: loadSchema,
    phase: z.string({ error: expected('a phase name') }).min(1).optional(),
    timeline: z.array(entrySchema, { error: expected('a list of timeline entries') }).min(1, { error: 'needs at least one entry' }),
    assert: z.array(assertionSchema, { error: expected('a list of assertions') }).min(1, { error: 'needs at least one assertion' }),
  },
  { error: expected('a mapping with topology, load, timeline and assert') },
);

export type RawScenario = z.infer<typeof scenarioSchema>;
export type RawEntry = z.infer<typeof entrySchema>;
