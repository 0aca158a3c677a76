// The generator resolving a name itself (--resolver) on loopback: a TTL cache per client address, the first address used, queries counted per request.
import t from 'tap';
import { drawFromPopulation } from '../../src/load/client-set.js';
import { parseLoadArgs } from '../../src/load/options.js';
import { runLoad, type LoadOptions } from '../../src/load/run-load.js';
import { LoadUsageError } from '../../src/load/errors.js';
import { parseResolver } from '../../src/load/name-resolver.js';
import { splitTargetUrl } from '../../src/load/target-url.js';
import { startHttpServer } from '../../src/server/http-server.js';
import { startTinyDns } from '../helpers/tiny-dns.js';

const ADDRESSES = drawFromPopulation('127.1.0.0/16', 100, 3);
const SERVERS = ['127.0.0.10', '127.0.0.11', '127.0.0.12'];

/** Three HTTP servers on one port, one per loopback address (s0..s2). */
async function servers(): Promise<{ port: number; close: () => Promise<void> }> {
  const first = await startHttpServer({ name: 's0', port: 0, host: SERVERS[0]! });
  const rest = await Promise.all(SERVERS.slice(1).map((host, i) => startHttpServer({ name: `s${i + 1}`, port: first.port, host })));
  return { port: first.port, close: async () => void (await Promise.all([first, ...rest].map((s) => s.close()))) };
}

function options(port: number, resolverPort: number, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    target: 'www.test.lab',
    resolver: { address: '127.0.0.1', port: resolverPort },
    port,
    path: '/',
    mode: 'close',
    loop: { kind: 'open', rate: 300 },
    durationMs: 1000,
    // generous: this machine is shared, and a slow answer must not fail a request
    timeoutMs: 8000,
    clients: { addresses: ADDRESSES, weights: null },
    records: true,
    ...over,
  };
}

t.test('a TTL: each client asks once and keeps its answer; every request is served by the first address of its answer', async (t) => {
  const http = await servers();
  const dns = await startTinyDns(SERVERS, 30);
  t.teardown(async () => {
    await http.close();
    await dns.close();
  });
  const r = await runLoad(options(http.port, dns.port));
  t.equal(r.requests.errors, 0, `no errors ${JSON.stringify(r.errors_by_kind)}`);
  const clients = Object.keys(r.clients).length;
  t.equal(r.dns!.queries, clients, `one query per client that sent (${clients}), none more: the answer is cached for its TTL`);
  t.equal(dns.queries(), r.dns!.queries, 'the server saw exactly the queries counted');
  t.equal(r.dns_queries_per_request, Math.round((clients / r.requests.sent) * 10000) / 10000, 'dns_queries_per_request = queries / requests');
  t.ok(r.dns_queries_per_request! > 0 && r.dns_queries_per_request! < 1, `between 0 and 1 with a TTL cache: ${r.dns_queries_per_request}`);
  t.equal(r.dns!.cache_hits + r.dns!.queries + r.dns!.joined, r.requests.sent, 'every request found its answer in the cache, asked, or waited for its client\'s query in flight');
  // the first address is the one used: each client's records name one address, and its requests went there alone
  const served = new Map(SERVERS.map((a, i) => [a, `s${i}`]));
  for (const q of r.dns!.records!) {
    const got = Object.keys(r.clients[q.client] ?? {});
    t.same(got, [served.get(q.addresses[0]!)], `${q.client} was served only by the first address of its answer`);
    t.equal(q.ttl, 30);
  }
  t.same(new Set(Object.keys(r.servers)), new Set(['s0', 's1', 's2']), 'the rotation sent clients to every server');
  t.match(r.dns!.behaviour, /own cache.*first address/, 'the result states how the generator resolves');
});

t.test('TTL 0: no caching, a query per request', async (t) => {
  const http = await servers();
  const dns = await startTinyDns(SERVERS, 0);
  t.teardown(async () => {
    await http.close();
    await dns.close();
  });
  const r = await runLoad(options(http.port, dns.port, { records: false }));
  t.equal(r.requests.errors, 0, `no errors: ${JSON.stringify([r.errors_by_kind, r.errors_other_codes])}`);
  t.equal(r.dns!.cache_hits, 0, 'nothing is taken from a cache');
  t.equal(r.dns!.queries + r.dns!.joined, r.requests.sent, 'a query per request (or, while its client waits for one, the same one)');
  t.equal(r.dns_queries_per_request, Math.round((r.dns!.queries / r.requests.sent) * 10000) / 10000);
  t.equal(r.dns!.records, undefined, 'no query records without --records');
});

t.test('a withdrawn address: clients that ask after the change never get it; cached answers still do until their TTL ends', async (t) => {
  const http = await servers();
  const dns = await startTinyDns(SERVERS, 0);
  t.teardown(async () => {
    await http.close();
    await dns.close();
  });
  dns.set(SERVERS.slice(0, 2));
  const r = await runLoad(options(http.port, dns.port));
  t.equal(r.requests.errors, 0, `no errors: ${JSON.stringify([r.errors_by_kind, r.errors_other_codes])}`);
  t.notOk('s2' in r.servers, 'no request went to the withdrawn s2');
  t.ok(r.dns!.records!.every((q) => !q.addresses.includes(SERVERS[2]!)), 'no answer named it');
});

t.test('no resolver answers: the requests fail as dns errors, each accounted', async (t) => {
  const http = await servers();
  const dns = await startTinyDns(SERVERS, 5);
  const port = dns.port;
  await dns.close();
  t.teardown(() => http.close());
  const r = await runLoad(options(http.port, port, { durationMs: 300, loop: { kind: 'open', rate: 100 }, timeoutMs: 600 }));
  t.equal(r.requests.ok, 0);
  t.equal(r.requests.sent, r.requests.errors, 'every request an error');
  t.ok(r.dns!.failed > 0, `failed queries counted: ${r.dns!.failed}`);
  t.ok((r.errors_by_kind.other ?? 0) + (r.errors_by_kind.timeout ?? 0) === r.requests.errors, JSON.stringify(r.errors_by_kind));
});

t.test('an address target resolves nothing: dns_queries_per_request is null', async (t) => {
  const http = await servers();
  t.teardown(() => http.close());
  const r = await runLoad({ ...options(http.port, 53), target: SERVERS[0]!, resolver: undefined, durationMs: 200 });
  t.equal(r.dns_queries_per_request, null);
  t.equal(r.dns, undefined);
});

t.test('flags: http://NAME/PATH targets, --resolver', async (t) => {
  const base = ['--rate=10', '--population=198.18.128.0/17', '--clients=2'];
  const load = (args: string[]) => parseLoadArgs([...base, ...args]).load;
  t.match(load(['--target=http://www.oneip.lab/bytes/5', '--resolver=10.0.1.2']), { target: 'www.oneip.lab', port: 80, path: '/bytes/5', resolver: { address: '10.0.1.2', port: 53 } });
  t.match(load(['--target=http://www.oneip.lab:8080/', '--resolver=10.0.1.2:5353']), { target: 'www.oneip.lab', port: 8080, path: '/', resolver: { port: 5353 } });
  t.match(load(['--target=http://www.oneip.lab/', '--bytes=10']), { path: '/bytes/10' }, 'a URL of / leaves --bytes its path');
  t.equal(load(['--target=10.0.0.100']).resolver, undefined);
  const bad = (args: string[], flag: string, message: RegExp) => {
    t.throws(() => parseLoadArgs([...base, ...args]), LoadUsageError);
    try {
      parseLoadArgs([...base, ...args]);
    } catch (e) {
      t.match((e as Error).message, flag);
      t.match((e as Error).message, message);
    }
  };
  bad(['--target=10.0.0.100', '--resolver=10.0.1.2'], '--resolver', /is an address/);
  bad(['--target=www.x.lab', '--resolver=ns.lab'], '--resolver', /IPv4 address/);
  bad(['--target=https://www.x.lab/'], '--target', /only http/);
  bad(['--target=http://www.x.lab:81/', '--port=82'], '--port', /has a port already/);
  bad(['--target=http://www.x.lab/a', '--path=/b'], '--path', /has a path already/);
  t.same(parseResolver('10.0.1.2:99999'), undefined);
  t.same(splitTargetUrl({ target: 'www.x.lab' }), { target: 'www.x.lab' }, 'a plain name stays as given');
});
