// `lab run` through the real command line: the three shipped scenarios pass on every backend; a scenario whose claim is false fails with exit 1; bad files exit 2 and create nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { ScenarioReport } from '../../src/scenario/run.js';
import { lab, leftovers, ROOT, sh } from '../helpers/cli.js';
import { backendCases } from '../helpers/lab-fixture.js';

const SCENARIOS = ['server-failover', 'dispatcher-failover', 'link-flap'];

function report(stdout: string): ScenarioReport {
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as ScenarioReport;
}

for (const { backend, skip } of await backendCases()) {
  for (const name of SCENARIOS) {
    t.test(`${backend}: scenarios/${name}.yaml passes`, { skip }, async (t) => {
      const r = lab(['run', `scenarios/${name}.yaml`, '--backend', backend, '--json']);
      t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(-400)})`);
      const rep = report(r.stdout);
      t.equal(rep.backend, backend);
      for (const a of rep.assertions) t.ok(a.pass, `${a.name}: ${a.detail}`);
      t.equal(rep.requests.sent, rep.requests.ok + rep.requests.errors, `every request accounted for: ${rep.requests.sent} sent = ${rep.requests.ok} ok + ${rep.requests.errors} errors`);
      t.ok(rep.requests.sent >= 5000, `under load: ${rep.requests.sent} requests at ${rep.throughput_rps} req/s`);
      t.ok(rep.failovers.length >= 1, 'watchd took the failed node out');
      for (const f of rep.failovers) t.comment(`${backend}/${name}: ${f.action} at +${f.at_s} s -> watchd took it out after ${f.ms} ms`);
      t.comment(`${backend}/${name}: requests broken by changes back: ${rep.broken_by_change_back}`);
      t.same(leftovers(rep.lab), [], 'the lab is gone afterwards');
      if (backend === 'docker') t.equal(sh(`docker ps -aq --filter label=oneip-lab.name=${rep.lab}`).trim(), '', 'no container left');
    });
  }
}

/** Graceful change (issue 11): keep-alive connections across growth, a drain and put-back, and a put-back by watchd (netns). */
const GRACEFUL = ['grow', 'drain', 'revive-graceful'];

for (const { backend, skip } of (await backendCases()).filter((c) => c.backend === 'netns')) {
  for (const name of GRACEFUL) {
    t.test(`${backend}: scenarios/${name}.yaml passes: no keep-alive connection broken by a change`, { skip }, async (t) => {
      const r = lab(['run', `scenarios/${name}.yaml`, '--backend', backend, '--json']);
      t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(-400)})`);
      const rep = report(r.stdout);
      for (const a of rep.assertions) t.ok(a.pass, `${a.name}: ${a.detail}`);
      t.ok((rep.connections?.opened ?? 0) >= 200, `keep-alive connections: ${JSON.stringify(rep.connections)}`);
      t.ok(rep.changes.length >= 2, `the lab logged the changes: ${rep.changes.map((c) => `${c.what} (${c.moved_clients} moved)`).join('; ')}`);
      t.same(leftovers(rep.lab), [], 'the lab is gone afterwards');
    });
  }
}

const [netns] = await backendCases();

t.test('netns: scenarios/grow-abrupt.yaml: the paper\'s abrupt change breaks connections, printed as a figure', { skip: netns!.skip }, async (t) => {
  const r = lab(['run', 'scenarios/grow-abrupt.yaml', '--backend', 'netns', '--json']);
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(-400)})`);
  const rep = report(r.stdout);
  t.comment(`abrupt growth 4 -> 5 -> 6: ${rep.connections?.broken} of ${rep.connections?.opened} connections broken (graceful: 0, scenarios/grow.yaml)`);
  t.ok((rep.connections?.broken ?? 0) > 0, `abrupt changes break connections: ${JSON.stringify(rep.connections)}`);
  t.same(leftovers(rep.lab), [], 'the lab is gone afterwards');
});

t.test('a false claim fails: s1 killed with a 300 ms request timeout, its clients are not error-free (exit 1)', { skip: netns!.skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-scn-'));
  const file = join(dir, 'false-claim.yaml');
  writeFileSync(
    file,
    `lab: sfalse
topology: ${join(ROOT, 'topologies', 'routing.yaml')}
load: {duration: 5s, rate: 400, mode: close, clients: 500, timeout: 300ms}
timeline:
  - {at: 2s, do: kill s1}
assert:
  - accounted
  - no-errors: {clients-of: [s1]}
  - errors-only-in-transitions
`,
  );
  const r = lab(['run', file, '--backend', 'netns']);
  t.equal(r.code, 1, 'exit 1: an assertion failed');
  t.match(r.stdout, /PASS {2}accounted/);
  t.match(r.stdout, /FAIL {2}no-errors: clients of s1: [1-9]\d* errors in \d+ requests/);
  t.match(r.stdout, /PASS {2}errors-only-in-transitions/, "s1's clients failed only until watchd reconfigured");
  t.match(r.stdout, /FAILED: 3 of 4 assertions/);
  t.same(leftovers('sfalse'), [], 'the lab is gone afterwards');
});

t.test('bad scenario files: FILE:LINE:COLUMN, exit 2, nothing created', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-scn-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, `lab: sbad\ntopology: ${join(ROOT, 'topologies', 'routing.yaml')}\nload: {duration: 5s, rate: 10}\ntimeline:\n  - {at: 1s, do: kill s7}\nassert: [accounted]\n`);
  const r = lab(['run', file, '--backend', 'netns']);
  t.equal(r.code, 2);
  t.match(r.stderr, new RegExp(`${file.replace(/[/.]/g, '\\$&')}:5:18: timeline\\.0\\.do: no node "s7"`));
  t.equal(r.stdout, '');
  t.same(leftovers('sbad'), [], 'nothing created');
  const missing = lab(['run', join(dir, 'nope.yaml')]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /nope\.yaml:1:1: file: cannot read the file/);
});
