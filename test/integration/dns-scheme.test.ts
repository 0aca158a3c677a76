// The dns scheme (DNS round robin, paper section 2) on netns and Docker: BIND answers the name with every alive server, load through the name reaches every server, a failed server's record is withdrawn, and a caching resolver keeps handing it out (the paper's caching problem).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startLab, type Lab } from '../../src/api/index.js';
import { downLab } from '../../src/lab/down.js';
import type { BenchResult } from '../../src/report/bench-result.js';
import { isRoot, leftovers, ROOT, sh } from '../helpers/cli.js';
import { backendCases } from '../helpers/lab-fixture.js';

const NAME = 'www.oneip.lab';
const TTL = 5;
const MIN_TTL = 300;

// BIND, Unbound and dig on the host (netns nodes run the host's programs): installed where missing, as `lab` does
if (isRoot && !sh('command -v named && command -v unbound && command -v dig').includes('dig')) {
  spawnSync('bash', [join(ROOT, 'scripts', 'apt-install.sh'), 'bind9', 'unbound', 'bind9-dnsutils'], { stdio: 'inherit', timeout: 600_000 });
}

interface Record {
  name: string;
  ttl: number;
  address: string;
}

/** `dig +noall +answer @SERVER NAME A` in the client node: the A records in the order given. */
async function dig(lab: Lab, server: string): Promise<Record[]> {
  const r = await lab.exec('client', ['dig', '+noall', '+answer', '+time=2', '+tries=2', `@${server}`, NAME, 'A'], { timeoutMs: 20_000 });
  if (r.exitCode !== 0) throw new Error(`dig @${server} failed (exit ${r.exitCode}): ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/))
    .filter((w) => w[3] === 'A')
    .map((w) => ({ name: w[0]!, ttl: Number(w[1]), address: w[4]! }));
}

const addressOf = (lab: Lab, server: string): string => lab.topology.servers.find((s) => s.name === server)!.address;
const sorted = (xs: string[]): string[] => [...xs].sort();

/**
 * DNS rotation is not a function of the client's address, so no client has a predicted server: the checks are that
 * every client was served, and that over many resolutions each alive server's share is near even, within four
 * standard deviations of a fair split of the resolutions made (a tolerance from the counts, never a time).
 */
function checkEvenShares(t: Test, r: BenchResult, alive: string[]): void {
  const total = Object.values(r.servers).reduce((a, s) => a + s.requests, 0);
  const p = 1 / alive.length;
  const tolerance = 4 * Math.sqrt((p * (1 - p)) / r.dns!.queries);
  for (const s of alive) {
    const share = (r.servers[s]?.requests ?? 0) / total;
    t.ok(Math.abs(share - p) <= tolerance, `${s}: share ${share.toFixed(3)} within ${tolerance.toFixed(3)} of ${p.toFixed(3)} (${r.dns!.queries} resolutions)`);
  }
}

const cases = await backendCases();
for (const c of cases) {
  const b = c.backend[0];
  t.test(`dns scheme, ${c.backend}: BIND answers the name with every alive server; watchd withdraws a failed one`, { skip: c.skip }, async (t) => {
    const name = `hsdn${b}`;
    await downLab(name);
    const topology = { name, scheme: 'dns', servers: 4, lan: '10.0.88.0/24', client: { link: '198.18.88.0/24' }, dns: { ttl: TTL } };
    const lab = await startLab({ topology, backend: c.backend });
    try {
      await uncached(t, lab);
    } finally {
      await lab.down();
    }
    t.same(leftovers(name), [], 'nothing left');
  });

  t.test(`dns scheme with a cache (Unbound, min-ttl ${MIN_TTL}), ${c.backend}: the cache keeps handing out a withdrawn address`, { skip: c.skip }, async (t) => {
    const name = `hsdc${b}`;
    await downLab(name);
    const topology = { name, scheme: 'dns', servers: 4, lan: '10.0.89.0/24', client: { link: '198.18.89.0/24' }, dns: { ttl: TTL, cache: true, 'min-ttl': MIN_TTL } };
    const lab = await startLab({ topology, backend: c.backend });
    try {
      await cached(t, lab);
    } finally {
      await lab.down();
    }
    t.same(leftovers(name), [], 'nothing left');
  });
}

async function uncached(t: Test, lab: Lab): Promise<void> {
  const ns = lab.topology.dispatchers[0]!.interfaces[0]!.address;
  const all = lab.topology.servers.map((s) => s.address);
  const answer = await dig(lab, ns);
  t.same(sorted(answer.map((r) => r.address)), sorted(all), 'dig from the client: the name answers every server\'s primary address');
  t.ok(answer.every((r) => r.ttl === TTL && r.name === `${NAME}.`), `each with the TTL of ${TTL} s`);
  const firsts = new Set<string>();
  for (let i = 0; i < 8; i++) firsts.add((await dig(lab, ns))[0]!.address);
  t.same(sorted([...firsts]), sorted(all), 'the rotation: over 8 answers every server comes first');

  // load through the name: each client resolves it itself (own TTL cache, first address)
  const r = await lab.bench({ duration: 3, rate: 150, clients: 60, mode: 'close', timeout: 5 });
  t.equal(r.target, NAME, 'lab bench targets the name on the dns scheme');
  t.equal(r.requests.errors, 0, `no errors: ${JSON.stringify(r.errors_by_kind)}`);
  t.equal(r.requests.sent, r.requests.ok + r.requests.errors, 'every request accounted');
  t.same(sorted(Object.keys(r.servers).filter((s) => r.servers[s]!.requests > 0)), ['s0', 's1', 's2', 's3'], 'every server served some');
  checkEvenShares(t, r, ['s0', 's1', 's2', 's3']);
  t.ok(r.dns_queries_per_request! > 0 && r.dns_queries_per_request! < 1, `dns_queries_per_request ${r.dns_queries_per_request}: above 0, below 1 with the TTL cache`);
  t.equal(r.dns!.resolver, ns, 'the clients asked the name server itself');

  // a failed server: watchd withdraws its record; new resolutions never name it
  await lab.kill('s1');
  await lab.waitFor('reconfigured', { node: 's1', timeoutMs: 20_000 });
  const s1 = addressOf(lab, 's1');
  for (let i = 0; i < 4; i++) {
    const now = (await dig(lab, ns)).map((a) => a.address);
    t.same(sorted(now), sorted(all.filter((a) => a !== s1)), `answer ${i + 1} after the withdrawal: every alive server, not s1`);
  }
  const after = await lab.bench({ duration: 2, rate: 100, clients: 40, mode: 'close', timeout: 5, records: true });
  t.ok(after.dns!.records!.length > 0 && after.dns!.records!.every((q) => !q.addresses.includes(s1)), `none of the ${after.dns!.records!.length} resolutions of a fresh load named s1`);
  t.equal(after.requests.errors, 0, 'and nothing failed');
  t.notOk((after.servers.s1?.requests ?? 0) > 0, 's1 served nothing');

  await lab.revive('s1');
  await lab.waitFor('reconfigured', { node: 's1', match: (e) => (e.up ?? []).includes('s1'), timeoutMs: 20_000 });
  t.same(sorted((await dig(lab, ns)).map((a) => a.address)), sorted(all), 'revived: its record is back');
}

async function cached(t: Test, lab: Lab): Promise<void> {
  const ns = lab.topology.dispatchers[0]!.interfaces[0]!.address;
  const cache = lab.topology.router.interfaces.find((i) => i.network === 'cl')!.address;
  const all = lab.topology.servers.map((s) => s.address);
  const s1 = addressOf(lab, 's1');
  const first = await dig(lab, cache);
  t.same(sorted(first.map((r) => r.address)), sorted(all), 'the cache answers every server');
  t.ok(first.every((r) => r.ttl > TTL && r.ttl <= MIN_TTL), `with its own minimum TTL, not the name server's ${TTL} s: ${first.map((r) => r.ttl).join(' ')}`);

  await lab.kill('s1');
  await lab.waitFor('reconfigured', { node: 's1', timeoutMs: 20_000 });
  t.notOk((await dig(lab, ns)).some((a) => a.address === s1), 'the name server withdrew s1\'s record');
  const stale = await dig(lab, cache);
  t.ok(stale.some((a) => a.address === s1), `the cache still hands out s1's address (${stale.map((a) => a.address).join(' ')}): the paper's caching problem`);

  // clients of the cache: the ones whose first address is s1's fail, however fast the record was withdrawn
  const r = await lab.bench({ duration: 2, rate: 100, clients: 40, mode: 'close', timeout: 1, records: true });
  t.equal(r.dns!.resolver, cache, 'the clients asked the cache');
  const toS1 = r.dns!.records!.filter((q) => q.addresses[0] === s1).length;
  t.ok(toS1 > 0, `${toS1} of ${r.dns!.records!.length} resolutions sent their client to the withdrawn s1`);
  t.ok(r.requests.errors > 0, `so requests failed: ${r.requests.errors} of ${r.requests.sent} (${JSON.stringify(r.errors_by_kind)})`);
}
