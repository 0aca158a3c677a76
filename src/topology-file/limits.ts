// Limits of a topology that commands check without loading the schema (zod).

/** At most this many servers in a lab. */
export const MAX_SERVERS = 250;
