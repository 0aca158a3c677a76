// Client address sets: population draws, address files with file:line errors, uniform and Zipf picking.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { drawFromPopulation, makePicker, parseClientsText, parseSkew, readClientsFile, skewWeights } from '../../src/load/client-set.js';
import { LoadUsageError } from '../../src/load/errors.js';
import { seededRandom } from '../../src/load/rng.js';
import { cidrContains, ipToInt, parseCidr } from '../../src/net/ipv4.js';

t.test('drawFromPopulation: distinct, inside, no network/broadcast, reproducible', async (t) => {
  const a = drawFromPopulation('198.18.128.0/17', 1000, 5);
  t.equal(a.length, 1000);
  t.equal(new Set(a).size, 1000, 'distinct');
  const c = parseCidr('198.18.128.0/17');
  t.ok(a.every((x) => cidrContains(c, ipToInt(x))), 'inside the prefix');
  t.notOk(a.includes('198.18.128.0') || a.includes('198.18.255.255'));
  t.same(drawFromPopulation('198.18.128.0/17', 1000, 5), a, 'same seed, same set');
  t.not(drawFromPopulation('198.18.128.0/17', 1000, 6).join(), a.join(), 'other seed, other set');
  // spread over the prefix, not the first 1000 addresses
  t.ok(a.some((x) => ipToInt(x) > ipToInt('198.18.200.0')));
  t.same(drawFromPopulation('10.0.0.0/30', 2, 1).sort(), ['10.0.0.1', '10.0.0.2'], 'the whole usable /30');
  t.throws(() => drawFromPopulation('10.0.0.0/30', 3), /only 2 usable/);
  t.throws(() => drawFromPopulation('10.0.0.1/24', 3), /host bits/);
  t.throws(() => drawFromPopulation('10.0.0.0/24', 0), /positive/);
});

t.test('parseSkew', async (t) => {
  t.same(parseSkew('uniform'), { kind: 'uniform' });
  t.same(parseSkew('zipf:1.1'), { kind: 'zipf', s: 1.1 });
  t.same(parseSkew('zipf:0'), { kind: 'uniform' });
  for (const bad of ['zipf', 'zipf:-1', 'zipf:x', 'pareto:1']) t.throws(() => parseSkew(bad), RangeError, bad);
  t.equal(skewWeights(3, { kind: 'uniform' }), null);
  t.same(skewWeights(3, { kind: 'zipf', s: 1 }), [1, 1 / 2, 1 / 3]);
});

t.test('pickers: uniform cycles every address; zipf favours rank 1', async (t) => {
  const uni = makePicker(null, 10, seededRandom(1));
  const seen = Array.from({ length: 30 }, uni);
  for (let i = 0; i < 10; i++) t.equal(seen.filter((x) => x === i).length, 3, `address ${i} picked 3 times in 30`);
  const n = 200;
  const zipf = makePicker(skewWeights(n, { kind: 'zipf', s: 1.1 }), n, seededRandom(2));
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < 20000; i++) counts[zipf()]!++;
  const median = [...counts].sort((a, b) => a - b)[n / 2]!;
  t.ok(counts[0]! > 10 * median, `top ${counts[0]} vs median ${median}`);
  t.ok(counts.every((c) => c >= 0) && counts.reduce((a, b) => a + b) === 20000);
});

t.test('address files: comments, blank lines, errors with file:line', async (t) => {
  t.same(parseClientsText('# clients\n10.0.0.1\n\n10.0.0.2  # second\r\n', 'f.txt'), ['10.0.0.1', '10.0.0.2']);
  t.throws(() => parseClientsText('10.0.0.1\n10.0.0.300\n', 'f.txt'), { name: 'LoadUsageError', message: '--clients-from: f.txt:2: not an IPv4 address: "10.0.0.300"' });
  t.throws(() => parseClientsText('10.0.0.1\n\n10.0.0.1\n', 'f.txt'), /f\.txt:3: duplicate address 10\.0\.0\.1 \(first on line 1\)/);
  t.throws(() => parseClientsText('# nothing\n', 'f.txt'), /f\.txt: no addresses/);

  const dir = t.testdir({});
  const good = join(dir, 'good.txt');
  writeFileSync(good, '127.1.0.1\n127.1.0.2\n');
  t.same(readClientsFile(good), ['127.1.0.1', '127.1.0.2']);
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, '127.1.0.1\nnot-an-address\n');
  t.throws(() => readClientsFile(bad), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: not an IPv4 address`));
  const err = (() => {
    try {
      readClientsFile(join(dir, 'missing.txt'));
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof LoadUsageError);
  t.match((err as Error).message, /--clients-from: cannot read .*missing\.txt: ENOENT/);
});
