// The generator's own name resolution (--resolver): each client address keeps its own cache of the answer for its TTL, asks the resolver when it has none, and uses the first address.
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';

/** Where names are asked: the resolver's address and port (a name server, or a caching resolver in front of one). */
export interface NameTarget {
  name: string;
  resolver: string;
  port: number;
}

/** One query a client made: when, for the request that started when, and what came back (or why nothing did). */
export interface DnsQueryRecord {
  client: string;
  /** when the request that needed it started, ms from the run's start */
  request_ms: number;
  /** when the answer (or the error) came, ms from the run's start */
  t_ms: number;
  /** the A records in the order the resolver gave them: the client uses the first */
  addresses: string[];
  ttl: number | null;
  error: string | null;
}

/** What one thread hands over about its queries (mergeable across workers). */
export interface DnsSnapshot {
  queries: number;
  failed: number;
  /** requests that found a live answer in their client's cache */
  cache_hits: number;
  /** requests that waited for the query their client had in flight (no query of their own) */
  joined: number;
  /** answers by their first address: the server each resolution sent its client to */
  first_address: Record<string, number>;
  records?: DnsQueryRecord[];
}

/** The result's account of the generator's resolution (present when it resolved a name per client). */
export interface DnsSummary extends DnsSnapshot {
  name: string;
  resolver: string;
  /** how the generator behaves, stated in every result */
  behaviour: string;
}

export const DNS_BEHAVIOUR =
  'each client address keeps its own cache of the answer for the TTL the resolver gave (0: no caching) and asks again only when it has expired; ' +
  'the first address of an answer is used, never the others (a 1997 client: no retry on the next address); queries leave from the client node\'s own address';

interface Cached {
  address: string;
  /** performance.now() after which the answer is stale */
  until: number;
}

/** A DNS error as the request's error code: dns:ENOTFOUND, dns:ETIMEOUT, dns:ESERVFAIL ... */
export function dnsErrorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'EDNS';
  return `dns:${code}`;
}

/** The per-client caches of one thread, and the resolver they ask. */
export class ClientResolver {
  private readonly resolver: Resolver;
  private readonly cache: (Cached | undefined)[];
  /** a query in flight per client: requests of that client that come meanwhile wait for it (one query, as a stub resolver would) */
  private readonly pending = new Map<number, Promise<string>>();
  private readonly snap: DnsSnapshot;

  constructor(
    private readonly target: NameTarget,
    private readonly addresses: readonly string[],
    /** the run's start (performance.now()), for the records' times */
    private readonly startT: () => number,
    timeoutMs: number,
    keepRecords: boolean,
  ) {
    // two tries within the request's timeout (c-ares doubles the timeout on the second try)
    this.resolver = new Resolver({ timeout: Math.max(50, Math.floor(timeoutMs / 3)), tries: 2 });
    this.resolver.setServers([target.port === 53 ? target.resolver : `${target.resolver}:${target.port}`]);
    this.cache = new Array(addresses.length);
    this.snap = { queries: 0, failed: 0, cache_hits: 0, joined: 0, first_address: {}, ...(keepRecords ? { records: [] } : {}) };
  }

  /** The client's cached address while its TTL lasts (counted as a hit), else undefined: it must ask. */
  cached(client: number): string | undefined {
    const c = this.cache[client];
    if (c === undefined || performance.now() >= c.until) return undefined;
    this.snap.cache_hits++;
    return c.address;
  }

  /** Asks the resolver for the client (or joins the query it has in flight); resolves with the first address. */
  resolve(client: number, requestT: number): Promise<string> {
    const inFlight = this.pending.get(client);
    if (inFlight) {
      this.snap.joined++;
      return inFlight;
    }
    const p = this.ask(client, requestT).finally(() => this.pending.delete(client));
    this.pending.set(client, p);
    return p;
  }

  private async ask(client: number, requestT: number): Promise<string> {
    this.snap.queries++;
    const record = (addresses: string[], ttl: number | null, error: string | null): void => {
      const t0 = this.startT();
      this.snap.records?.push({ client: this.addresses[client]!, request_ms: round1(requestT - t0), t_ms: round1(performance.now() - t0), addresses, ttl, error });
    };
    try {
      const answer = await this.resolver.resolve4(this.target.name, { ttl: true });
      const first = answer[0];
      if (!first) throw Object.assign(new Error('no address'), { code: 'ENODATA' });
      const ttl = Math.min(...answer.map((a) => a.ttl));
      this.cache[client] = ttl > 0 ? { address: first.address, until: performance.now() + ttl * 1000 } : undefined;
      this.snap.first_address[first.address] = (this.snap.first_address[first.address] ?? 0) + 1;
      record(answer.map((a) => a.address), ttl, null);
      return first.address;
    } catch (e) {
      this.snap.failed++;
      record([], null, dnsErrorCode(e));
      throw e;
    }
  }

  /** Ends outstanding queries (the run is over). */
  close(): void {
    this.resolver.cancel();
  }

  snapshot(): DnsSnapshot {
    return { ...this.snap, first_address: { ...this.snap.first_address } };
  }
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** The threads' snapshots as one summary (undefined when none resolved names). */
export function mergeDns(target: NameTarget | undefined, all: readonly (DnsSnapshot | undefined)[]): DnsSummary | undefined {
  const snaps = all.filter((s): s is DnsSnapshot => s !== undefined);
  if (!target || snaps.length === 0) return undefined;
  const first: Record<string, number> = {};
  for (const s of snaps) for (const [a, n] of Object.entries(s.first_address)) first[a] = (first[a] ?? 0) + n;
  const records = snaps.some((s) => s.records) ? snaps.flatMap((s) => s.records ?? []).sort((a, b) => a.t_ms - b.t_ms) : undefined;
  return {
    name: target.name,
    resolver: target.port === 53 ? target.resolver : `${target.resolver}:${target.port}`,
    behaviour: DNS_BEHAVIOUR,
    queries: snaps.reduce((a, s) => a + s.queries, 0),
    failed: snaps.reduce((a, s) => a + s.failed, 0),
    cache_hits: snaps.reduce((a, s) => a + s.cache_hits, 0),
    joined: snaps.reduce((a, s) => a + s.joined, 0),
    first_address: first,
    ...(records ? { records } : {}),
  };
}

/** "10.0.1.2" or "10.0.1.2:5353" -> address and port; undefined when it is neither. */
export function parseResolver(text: string): { address: string; port: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const port = m[2] === undefined ? 53 : Number(m[2]);
  if (port < 1 || port > 65535 || m[1]!.split('.').some((o) => Number(o) > 255)) return undefined;
  return { address: m[1]!, port };
}
