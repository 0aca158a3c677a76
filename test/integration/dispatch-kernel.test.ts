// Holds the kernel to the dispatch model: xt_bpf programs from the compiler, and nft jhash against bucketOf, packet by packet.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileModuloMatch, toXtBpfBytecode } from '../../src/dispatch/bpf.js';
import { jhashIpv4, reciprocalScale } from '../../src/dispatch/jhash.js';
import { modulo } from '../../src/dispatch/modulo.js';
import { compileModuloTree } from '../../src/dispatch/modulo-tree.js';
import { modulMarkTable } from '../../src/dispatch/rules/iptables-bpf.js';
import { parseIptablesSave } from '../../src/lab/counters.js';
import { bucketOf, bucketOwners, createTableFunction, nftJhashExpression } from '../../src/dispatch/table.js';
import { initialState, type DispatchState } from '../../src/dispatch/types.js';
import { intToIp, ipToInt } from '../../src/net/ipv4.js';

const SND = `olabtest-disp-${process.pid}-c`;
const RCV = `olabtest-disp-${process.pid}-s`;
const DST = '198.18.0.1';
const PORT = 9;
const POPULATION = ipToInt('198.18.128.0');
const ADDRESSES = 1024;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: string): Run {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) return { status: -1, stdout: '', stderr: String(r.error) };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

const inNs = (ns: string, args: string[], input?: string): string => must('ip', ['netns', 'exec', ns, ...args], input);

function whyCannotRun(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux network namespaces (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (run as root to check the kernel against the model)';
  for (const tool of [['ip', '-V'], ['nft', '--version'], ['iptables', '--version'], ['iptables-restore', '--version']] as const) {
    if (run(tool[0], [tool[1]]).status !== 0) return `${tool[0]} is not installed`;
  }
  return undefined;
}

/** 1024 distinct pseudo-random addresses of 198.18.128.0/17, both ends included. */
function clientAddresses(): number[] {
  const seen = new Set<number>([0, 32767]);
  let s = 12345;
  while (seen.size < ADDRESSES) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    seen.add((s >>> 8) % 32768);
  }
  return [...seen].map((o) => (POPULATION + o) >>> 0);
}

function setUp(): void {
  must('ip', ['netns', 'add', SND]);
  must('ip', ['netns', 'add', RCV]);
  must('ip', ['link', 'add', 'veth-c', 'netns', SND, 'address', '02:00:c6:12:00:02', 'type', 'veth', 'peer', 'name', 'veth-s', 'netns', RCV, 'address', '02:00:c6:12:00:01']);
  for (const [ns, dev, addr] of [[SND, 'veth-c', '198.18.0.2/24'], [RCV, 'veth-s', '198.18.0.1/24']] as const) {
    must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    must('ip', ['-n', ns, 'addr', 'add', addr, 'dev', dev]);
    must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  // AnyIP: the sender may bind any address of the client population
  must('ip', ['-n', SND, 'route', 'add', 'local', '198.18.128.0/17', 'dev', 'lo']);
  // no ARP round trip (and no queue overflow while it resolves)
  must('ip', ['-n', SND, 'neigh', 'replace', DST, 'lladdr', '02:00:c6:12:00:01', 'dev', 'veth-c', 'nud', 'permanent']);
  must('ip', ['-n', RCV, 'route', 'add', '198.18.128.0/17', 'via', '198.18.0.2']);
}

function tearDown(): void {
  for (const ns of [SND, RCV]) run('ip', ['netns', 'del', ns]);
}

/** Sends one UDP datagram to DST:PORT from each address, from inside the sender namespace. */
function sendFrom(dir: string, addresses: number[]): void {
  const list = join(dir, 'addresses.json');
  writeFileSync(list, JSON.stringify(addresses.map(intToIp)));
  inNs(SND, [process.execPath, join(dir, 'send.mjs'), list]);
}

const SENDER = `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
const addresses = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const address of addresses) {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => { s.once('error', reject); s.bind({ address, port: 0 }, resolve); });
  await new Promise((resolve, reject) => s.send(Buffer.from('olabtest'), ${PORT}, '${DST}', (e) => (e ? reject(e) : resolve())));
  s.close();
}
`;

/** Elements of an `ipv4_addr . mark` set as address -> mark. */
function readSet(name: string): Map<number, number> {
  const out = JSON.parse(inNs(RCV, ['nft', '-j', 'list', 'set', 'ip', 'olabtest', name])) as { nftables: Record<string, unknown>[] };
  const set = out.nftables.find((o) => 'set' in o)?.set as { elem?: unknown[] } | undefined;
  const map = new Map<number, number>();
  for (const e of set?.elem ?? []) {
    const rec = e as { concat?: [string, number]; elem?: { val: { concat: [string, number] } } };
    const [ip, mark] = rec.concat ?? rec.elem!.val.concat;
    map.set(ipToInt(ip), mark >>> 0);
  }
  return map;
}

/** The recorder: after mangle (priority -150) remember each source address with the mark it got, then drop. */
function recorder(setNames: string[], ruleLines: string[]): string {
  return [
    'table ip olabtest {',
    ...setNames.map((s) => `  set ${s} { type ipv4_addr . mark; size 65536; flags dynamic; }`),
    '  chain pre {',
    '    type filter hook prerouting priority -100; policy accept;',
    ...ruleLines.map((l) => `    ip daddr ${DST} udp dport ${PORT} ${l}`),
    `    ip daddr ${DST} udp dport ${PORT} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
}

const reason = whyCannotRun();

t.test('dispatch model vs the kernel (xt_bpf and nft jhash)', { skip: reason ?? false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olabtest-dispatch-'));
  writeFileSync(join(dir, 'send.mjs'), SENDER);
  tearDown();
  t.teardown(() => {
    tearDown();
    rmSync(dir, { recursive: true, force: true });
  });
  setUp();
  const addresses = clientAddresses();
  t.equal(new Set(addresses).size, ADDRESSES, `${ADDRESSES} distinct client addresses`);

  // a trivial program tells a missing xt_bpf apart from a bad compiled one
  const probe = run('ip', ['netns', 'exec', RCV, 'iptables', '-t', 'mangle', '-A', 'PREROUTING', '-m', 'bpf', '--bytecode', '1,6 0 0 0', '-j', 'ACCEPT']);
  const noBpf = probe.status === 0 ? false : `the kernel or iptables lacks the bpf match (xt_bpf): ${probe.stderr.trim()}`;

  await t.test('(a) iptables -m bpf with the compiled programs lands every address on modulo.predict', { skip: noBpf }, async (t) => {
    const scenarios: [number, number[]][] = [[4, []], [4, [1]], [7, [2, 5]], [12, [3, 4, 9]], [5, [0, 1, 2, 3]], [63, Array.from({ length: 31 }, (_, i) => 32 + i)]];
    for (const [n, dead] of scenarios) {
      const state: DispatchState = { ...initialState(n), alive: initialState(n).alive.filter((k) => !dead.includes(k)) };
      const programs = Array.from({ length: n }, (_, k) => toXtBpfBytecode(compileModuloMatch(state, k)));
      inNs(RCV, ['nft', 'flush', 'ruleset']);
      inNs(RCV, ['iptables-restore'], [
        '*mangle',
        ':PREROUTING ACCEPT [0:0]',
        ':OLABTEST - [0:0]',
        `-A PREROUTING -d ${DST}/32 -p udp --dport ${PORT} -j OLABTEST`,
        ...programs.map((code, k) => `-A OLABTEST -m bpf --bytecode "${code}" -m comment --comment "S${k}" -j MARK --set-mark ${k + 1}`),
        'COMMIT',
        '',
      ].join('\n'));
      inNs(RCV, ['nft', '-f', '-'], recorder(['seen'], ['update @seen { ip saddr . meta mark }']));
      sendFrom(dir, addresses);

      const counters = new Array<number>(n).fill(0);
      for (const line of inNs(RCV, ['iptables', '-t', 'mangle', '-L', 'OLABTEST', '-v', '-x', '-n']).split('\n')) {
        const m = /^\s*(\d+)\s+\d+\s+MARK\b.*\/\* S(\d+) \*\//.exec(line);
        if (m) counters[Number(m[2])] = Number(m[1]);
      }
      const expected = new Array<number>(n).fill(0);
      for (const ca of addresses) expected[modulo.predict(ca, state)]!++;
      const label = `n = ${n}, failed [${dead.length > 8 ? `${dead[0]}..${dead.at(-1)}` : dead.join(',')}], longest program ${Math.max(...programs.map((p) => Number(p.split(',')[0])))} insns`;
      t.same(counters, expected, `${label}: per-server rule counters ${counters.join(' ')}`);
      t.equal(counters.reduce((a, b) => a + b, 0), ADDRESSES, 'each packet matched exactly one server rule');
      const seen = readSet('seen');
      t.equal(seen.size, ADDRESSES, 'every address arrived');
      const wrong = addresses.filter((ca) => seen.get(ca) !== modulo.predict(ca, state) + 1);
      t.same(wrong.map(intToIp), [], 'per address, the mark the kernel set names the predicted server');
    }
  });

  await t.test('(c) the dispatcher\'s tree of xt_bpf range tests (modulMarkTable) marks every address with 1 + modulo.predict', { skip: noBpf }, async (t) => {
    const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo }, (_, i) => lo + i);
    const scenarios: [number, number[]][] = [[2, []], [5, [1]], [16, []], [33, [0, 7, 20]], [64, []], [64, range(3, 20)], [64, range(0, 64).filter((k) => k !== 5 && k !== 40)], [63, range(32, 63)]];
    for (const [n, dead] of scenarios) {
      const state: DispatchState = { ...initialState(n), alive: initialState(n).alive.filter((k) => !dead.includes(k)) };
      const names = Array.from({ length: n }, (_, k) => `S${k}`);
      inNs(RCV, ['nft', 'flush', 'ruleset']);
      inNs(RCV, ['iptables-restore'], modulMarkTable(DST, state, names));
      inNs(RCV, ['nft', '-f', '-'], recorder(['seen'], ['update @seen { ip saddr . meta mark }']));
      sendFrom(dir, addresses);

      const rules = parseIptablesSave(inNs(RCV, ['iptables-save', '-c', '-t', 'mangle']));
      const counters = names.map((name) => rules.filter((r) => r.comment === `to ${name}`).reduce((a, r) => a + r.packets, 0));
      const expected = new Array<number>(n).fill(0);
      for (const ca of addresses) expected[modulo.predict(ca, state)]!++;
      const tree = compileModuloTree(state);
      const label = `n = ${n}, failed [${dead.length > 8 ? `${dead[0]}..${dead.at(-1)} (${dead.length})` : dead.join(',')}], ${tree.nodes.length} tree chains, depth ${tree.depth}`;
      t.same(counters, expected, `${label}: per-server leaf counters equal the model`);
      const seen = readSet('seen');
      t.equal(seen.size, ADDRESSES, 'every address arrived');
      const wrong = addresses.filter((ca) => seen.get(ca) !== modulo.predict(ca, state) + 1);
      t.same(wrong.map(intToIp), [], 'per address, the mark the kernel set names the predicted server');
    }
  });

  await t.test('(b) nft jhash equals bucketOf, and the bucket map equals table.predict', async (t) => {
    const raw: [string, number][] = [['raw0', 0], ['rawbeef', 0xdeadbeef]];
    const buckets: [string, number, number][] = [['b256s0', 256, 0], ['b7s0', 7, 0], ['b256s12345', 256, 12345], ['b1000sffffffff', 1000, 0xffffffff], ['b2s0', 2, 0]];
    const state: DispatchState = { ...initialState(5, [1, 2, 1, 1, 3]), alive: [0, 2, 3, 4] };
    const map = bucketOwners(state, 256).map((o, b) => `${b} : ${o + 1}`).join(', ');
    const rules = [
      // reciprocal_scale(h, 2^32 - 1) = h - 1 for h > 0: offset 1 puts the raw jhash in the mark
      ...raw.map(([name, seed]) => `meta mark set jhash ip saddr mod 4294967295 seed 0x${seed.toString(16)} offset 1 update @${name} { ip saddr . meta mark }`),
      ...buckets.map(([name, m, seed]) => `meta mark set ${nftJhashExpression(m, seed)} update @${name} { ip saddr . meta mark }`),
      `meta mark set ${nftJhashExpression(256, 0)} map { ${map} } update @tablemap { ip saddr . meta mark }`,
    ];
    inNs(RCV, ['nft', 'flush', 'ruleset']);
    inNs(RCV, ['nft', '-f', '-'], recorder([...raw.map((r) => r[0]), ...buckets.map((b) => b[0]), 'tablemap'], rules));
    sendFrom(dir, addresses);

    for (const [name, seed] of raw) {
      const seen = readSet(name);
      t.equal(seen.size, ADDRESSES, `${name}: every address arrived`);
      const wrong = addresses.filter((ca) => seen.get(ca) !== (reciprocalScale(jhashIpv4(ca, seed), 0xffffffff) + 1) >>> 0);
      t.same(wrong.map(intToIp), [], `raw jhash(CA, seed 0x${seed.toString(16)}) equals the kernel's for ${ADDRESSES} addresses`);
      const sample = [0, 5, 1000].map((i) => addresses[i]!).map((ca) => `${intToIp(ca)}=${seen.get(ca)}`);
      t.comment(`kernel raw jhash seed 0x${seed.toString(16)}: ${sample.join(' ')}`);
    }
    for (const [name, m, seed] of buckets) {
      const seen = readSet(name);
      t.equal(seen.size, ADDRESSES, `${name}: every address arrived`);
      const wrong = addresses.filter((ca) => seen.get(ca) !== bucketOf(ca, m, seed));
      t.same(wrong.map(intToIp), [], `bucketOf(CA, ${m}, ${seed}) equals \`jhash ip saddr mod ${m} seed 0x${seed.toString(16)}\` for ${ADDRESSES} addresses`);
      const used = new Set(seen.values()).size;
      t.comment(`${name}: ${used} of ${m} buckets hit; e.g. ${[0, 5].map((i) => `${intToIp(addresses[i]!)}->${seen.get(addresses[i]!)}`).join(' ')}`);
    }
    const seen = readSet('tablemap');
    const fn = createTableFunction(256, 0);
    const wrong = addresses.filter((ca) => seen.get(ca) !== fn.predict(ca, state) + 1);
    t.same(wrong.map(intToIp), [], `the bucket map (weights 1,2,1,1,3, S1 failed) sends all ${ADDRESSES} addresses to table.predict`);
  });
});
