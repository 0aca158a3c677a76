// The load CLI's flags: valid parses, and bad flags -> one error naming the flag, exit code 2.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../src/load/main.js';
import { parseDuration, parseLoadArgs } from '../../src/load/options.js';

const BASE = ['--target', '127.0.0.1', '--population', '127.1.0.0/16'];

t.test('parseDuration', async (t) => {
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('1.5m'), 90000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('2'), 2000);
  for (const bad of ['', '0', '0s', '-1s', 'abc', '1.s', '5d', '1hh']) t.throws(() => parseDuration(bad), RangeError, bad);
});

t.test('a full command line', async (t) => {
  const cli = parseLoadArgs([...BASE, '--port', '8080', '--duration', '3s', '--rate', '500', '--mode', 'close', '--clients', '50', '--skew', 'zipf:1.1', '--bytes', '1024', '--timeout', '750ms', '--workers', '2', '--seed', '9', '--json', '--progress']);
  t.equal(cli.json, true);
  t.equal(cli.progress, true);
  const o = cli.load;
  t.match(o, { target: '127.0.0.1', port: 8080, durationMs: 3000, timeoutMs: 750, mode: 'close', path: '/bytes/1024', workers: 2, seed: 9 });
  t.same(o.loop, { kind: 'open', rate: 500 });
  t.equal(o.clients.addresses.length, 50);
  t.equal(o.clients.weights!.length, 50);
  t.equal(o.clients.weights![0], 1);
});

t.test('defaults', async (t) => {
  const o = parseLoadArgs([...BASE, '--concurrency', '8']).load;
  t.match(o, { port: 80, durationMs: 5000, timeoutMs: 2000, mode: 'keepalive', path: '/', workers: 1 });
  t.same(o.loop, { kind: 'closed', concurrency: 8 });
  t.equal(o.clients.addresses.length, 100);
  t.equal(o.clients.weights, null);
  t.equal(parseLoadArgs(['--help']).help, true);
});

t.test('--clients-from', async (t) => {
  const dir = t.testdir({ 'clients.txt': '127.1.0.1\n127.1.0.2\n127.1.0.3\n', 'bad.txt': '127.1.0.1\n\nfoo\n' });
  const o = parseLoadArgs(['--target', '127.0.0.1', '--rate', '5', '--clients-from', join(dir, 'clients.txt')]).load;
  t.same(o.clients.addresses, ['127.1.0.1', '127.1.0.2', '127.1.0.3']);
  const two = parseLoadArgs(['--target', '127.0.0.1', '--rate', '5', '--clients-from', join(dir, 'clients.txt'), '--clients', '2']).load;
  t.same(two.clients.addresses, ['127.1.0.1', '127.1.0.2']);
  t.throws(() => parseLoadArgs(['--target', '127.0.0.1', '--rate', '5', '--clients-from', join(dir, 'bad.txt')]), { message: /^--clients-from: .*bad\.txt:3: not an IPv4 address: "foo"$/ });
  writeFileSync(join(dir, 'x'), '');
});

const BAD: [string[], RegExp][] = [
  [['--population', '127.1.0.0/16', '--rate', '5'], /^--target: required/],
  [[...BASE], /^--rate: one of --rate R .* or --concurrency C .* is required/],
  [[...BASE, '--rate', '0'], /^--rate: expected requests per second > 0, got "0"/],
  [[...BASE, '--rate', '-5'], /^--rate: /],
  [[...BASE, '--rate', 'fast'], /^--rate: /],
  [[...BASE, '--concurrency', '0'], /^--concurrency: expected an integer 1\.\./],
  [[...BASE, '--rate', '5', '--concurrency', '5'], /^--rate: give either --rate .* or --concurrency .*not both/],
  [[...BASE, '--rate', '5', '--mode', 'pipeline'], /^--mode: expected keepalive or close, got "pipeline"/],
  [[...BASE, '--rate', '5', '--duration', '5x'], /^--duration: expected a duration/],
  [[...BASE, '--rate', '5', '--duration', '0s'], /^--duration: must be more than zero/],
  [[...BASE, '--rate', '5', '--timeout', 'soon'], /^--timeout: /],
  [[...BASE, '--rate', '5', '--port', '70000'], /^--port: expected an integer 1\.\.65535/],
  [[...BASE, '--rate', '5', '--workers', '0'], /^--workers: /],
  [[...BASE, '--rate', '5', '--skew', 'zipf'], /^--skew: expected "uniform" or "zipf:S"/],
  [[...BASE, '--rate', '5', '--path', 'no-slash'], /^--path: /],
  [[...BASE, '--rate', '5', '--path', '/', '--bytes', '10'], /^--bytes: /],
  [[...BASE, '--rate', '5', '--bytes', '-1'], /^--bytes: /],
  [[...BASE, '--rate', '5', '--clients', '0'], /^--clients: /],
  [['--target', '127.0.0.1', '--rate', '5', '--population', '10.0.0.0/30', '--clients', '5'], /^--clients: 10\.0\.0\.0\/30 has only 2 usable addresses/],
  [['--target', '127.0.0.1', '--rate', '5', '--population', '10.0.0.0/33'], /^--population: not an IPv4 prefix/],
  [['--target', '127.0.0.1', '--rate', '5'], /^--population: one of --population CIDR or --clients-from FILE is required/],
  [[...BASE, '--rate', '5', '--clients-from', '/nonexistent/clients.txt'], /^--clients-from: /],
  [[...BASE, '--rate', '5', '--frobnicate'], /^--frobnicate: Unknown option/],
  [[...BASE, '--rate'], /^--rate: /],
];

t.test('bad flags name the flag', async (t) => {
  for (const [argv, want] of BAD) t.throws(() => parseLoadArgs(argv), { name: 'LoadUsageError', message: want }, argv.join(' '));
});

t.test('main(): usage errors print one line on stderr and return 2', async (t) => {
  for (const [argv, want] of [BAD[2]!, BAD[6]!, BAD[7]!, BAD[21]!]) {
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(argv);
    } finally {
      process.stderr.write = write;
    }
    t.equal(code, 2, argv.join(' '));
    t.equal(lines.length, 1, 'one line');
    t.match(lines[0], new RegExp(`^load: ${want.source.slice(1)}`));
    t.match(lines[0], /\n$/);
  }
});
