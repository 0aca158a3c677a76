// The library's surface without root: the package resolves by name to the built API with its declarations; inline topologies are validated as files are.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseTopology } from '../../src/topology-file/load.js';
import { dispatchView } from '../../src/api/dispatch-view.js';
import { INLINE_TOPOLOGY, readTopologyInput, TopologyUsageError } from '../../src/api/topology-input.js';
import type { LabState } from '../../src/lab/state.js';
import { UsageError, exitCodeOf } from '../../src/util/errors.js';
import { ipToInt } from '../../src/net/ipv4.js';
import { paperSingleFailure } from '../../src/dispatch/modulo.js';
import { ROOT } from '../helpers/cli.js';

t.test("package.json exports the API, with tsc's declarations", async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  t.equal(pkg.exports['.'].import, './dist/src/api/index.js');
  t.equal(pkg.exports['.'].types, './dist/src/api/index.d.ts');
  t.ok(existsSync(join(ROOT, pkg.exports['.'].types)), 'the declarations are built (tsconfig declaration: true)');
  const api = (await import('oneip-lab')) as Record<string, unknown>;
  t.equal(typeof api.startLab, 'function', "import { startLab } from 'oneip-lab' resolves (self-reference through exports)");
  t.equal(typeof api.UsageError, 'function');
  t.equal(typeof Symbol.asyncDispose, 'symbol', 'Symbol.asyncDispose exists, so `await using` works');
});

t.test('an inline topology is validated by the file schema and resolver', async (t) => {
  const good = readTopologyInput({ name: 'a14in', scheme: 'routing', servers: 3 });
  t.equal(good.file, INLINE_TOPOLOGY);
  t.same(good.topology.servers.map((s) => s.address), ['10.0.1.10', '10.0.1.11', '10.0.1.12']);
  const asFile = parseTopology('name: a14in\nscheme: routing\nservers: 3\n', INLINE_TOPOLOGY);
  t.same(good.topology, asFile, 'the same Topology as the same fields in a file');

  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: 'a14in', scheme: 'nope' }, /^<inline topology>: scheme: must be one of routing \| broadcast/],
    [{ name: 'a14in', scheme: 'routing', servers: 0 }, /servers: must be between 1 and 250 servers, got 0/],
    [{ name: 'a14in', scheme: 'routing', colour: 'red' }, /colour: unknown key "colour"/],
    [{ name: 'a14in', scheme: 'routing', ghost: '10.0.1.5' }, /ghost: the ghost 10.0.1.5 is inside the LAN/],
    [{ scheme: 'routing' }, /name: required/],
  ];
  for (const [input, message] of cases) {
    const err = (() => {
      try {
        readTopologyInput(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    t.ok(err instanceof UsageError && err instanceof TopologyUsageError, `${JSON.stringify(input)}: a UsageError`);
    t.match((err as Error).message, message);
    t.equal(exitCodeOf(err), 2);
  }
  t.throws(() => readTopologyInput('test/fixtures/no-such.yaml'), UsageError, 'a missing file is a UsageError too');
});

t.test("the dispatch view answers with the model, and moves s1's clients as the paper's formula says", async (t) => {
  const topology = parseTopology('name: a14dv\nscheme: routing\n', '<a14dv>');
  const state = { name: 'a14dv', topology, alive: [0, 1, 2, 3] } as unknown as LabState;
  const all = dispatchView(state);
  const clients = all.clients(500);
  t.equal(new Set(clients).size, 500, 'distinct addresses');
  for (const c of clients) t.equal(all.predict(c), `s${ipToInt(c) % 4}`, `${c}: CA mod 4`);
  const without1 = dispatchView({ ...state, alive: [0, 2, 3] } as LabState);
  t.same(without1.alive, ['s0', 's2', 's3']);
  for (const c of clients.filter((x) => all.predict(x) === 's1')) {
    t.equal(without1.predict(c), `s${paperSingleFailure(ipToInt(c), 4, 1)}`, `${c}: j = CA mod 3`);
    t.equal(all.predictWith(c, ['s0', 's2', 's3']), without1.predict(c), 'predictWith agrees');
  }
  t.throws(() => all.predictWith('198.18.128.1', ['s9']), UsageError);
  t.throws(() => all.predict('not-an-address'), UsageError);
});
