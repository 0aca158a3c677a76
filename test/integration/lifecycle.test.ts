// Lab lifecycle through the real command line: up, status, exec, routes that stay inside the lab, down, clean after SIGKILL.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { lab, labChild, leftovers, needsRoot, sh } from '../helpers/cli.js';
import { backendCases } from '../helpers/lab-fixture.js';

// before any subtest: they run `./lab` synchronously, which would hold up the engine's answer past its timeout
const dockerCase = (await backendCases()).find((c) => c.backend === 'docker')!;

t.test('up, status --json, exec, down', { skip: needsRoot }, async (t) => {
  const name = 'lctest';
  lab(['down', '--name', name]);
  const up = lab(['up', '-t', 'topologies/routing.yaml', '--name', name, '--backend', 'netns']);
  t.equal(up.code, 0, `up succeeds: ${up.stderr}`);
  t.teardown(() => void lab(['down', '--name', name]));

  const again = lab(['up', '-t', 'topologies/routing.yaml', '--name', name, '--backend', 'netns']);
  t.equal(again.code, 1, 'up of an existing lab fails');
  t.match(again.stderr, /exists already/);

  const status = JSON.parse(lab(['status', '--name', name, '--json']).stdout);
  t.equal(status.name, name);
  t.equal(status.scheme, 'routing');
  t.equal(status.backend, 'netns');
  t.equal(status.ghost, '10.0.0.100');
  t.same(status.nodes.map((n: { name: string }) => n.name), ['client', 'router', 'dispatcher', 's0', 's1', 's2', 's3']);
  const s2 = status.nodes.find((n: { name: string }) => n.name === 's2');
  t.same(s2, { name: 's2', role: 'server', addresses: ['10.0.1.12/24', '10.0.0.100/32'] });

  const dispatch = JSON.parse(lab(['dispatch', 'show', '--name', name, '--json']).stdout);
  t.same(dispatch.rules_on, ['dispatcher'], 'dispatch show: the routing scheme keeps its rules on the dispatcher');
  t.same(
    dispatch.summary.servers.map((r: { addresses: number }) => r.addresses),
    [0, 1, 2, 3].map((k) => Array.from({ length: 32768 }, (_, i) => i).filter((i) => (0xc6128000 + i) % 4 === k).length),
    'dispatch show: each server takes the population addresses with CA mod 4 = k (the model, counted here)',
  );
  t.match(lab(['dispatch', 'show', '--name', name]).stdout, /^scheme: routing-based dispatching \(paper section 4\); dispatch rules on dispatcher$/m);

  const routes = lab(['exec', '--name', name, 'client', '--', 'ip', 'route']);
  t.equal(routes.code, 0);
  t.match(routes.stdout, /10\.0\.0\.100 via 198\.18\.0\.1/);

  const out = lab(['exec', '--name', name, 'router', '--', 'ip', 'route', 'get', '192.0.2.1']);
  t.not(out.code, 0, 'the router has no route out of the lab');
  t.match(out.stderr, /unreachable/i);

  for (const node of ['client', 'router', 'dispatcher', 's0']) {
    const r = lab(['exec', '--name', name, node, '--', 'ip', '-4', 'route', 'show', 'table', 'all']);
    t.notMatch(r.stdout, /^default/m, `${node} has no default route`);
  }

  const exitCode = lab(['exec', '--name', name, 's0', '--', 'sh', '-c', 'exit 7']);
  t.equal(exitCode.code, 7, 'exec passes the exit code through');

  t.equal(lab(['down', '--name', name]).code, 0);
  t.same(leftovers(name), [], 'nothing of the lab remains');
  const twice = lab(['down', '--name', name]);
  t.equal(twice.code, 0, 'down twice is fine');
});

t.test('two labs with different names side by side', { skip: needsRoot }, async (t) => {
  t.teardown(() => {
    lab(['down', '--name', 'lca']);
    lab(['down', '--name', 'lcb']);
  });
  t.equal(lab(['up', '-t', 'topologies/routing.yaml', '--name', 'lca', '--backend', 'netns']).code, 0);
  t.equal(lab(['up', '-t', 'topologies/broadcast.yaml', '--name', 'lcb', '--backend', 'netns']).code, 0);
  const names = lab(['status', '--name', 'lcb', '--json']);
  t.equal(JSON.parse(names.stdout).scheme, 'broadcast');
  const ambiguous = lab(['status']);
  t.equal(ambiguous.code, 2, 'without --name, several labs is a usage error');
  t.match(ambiguous.stderr, /several labs/);
  t.equal(lab(['down', '--name', 'lca']).code, 0);
  t.same(leftovers('lca'), []);
  t.ok(JSON.parse(lab(['status', '--json']).stdout).name === 'lcb', 'the other lab still runs and is found without --name');
});

t.test('SIGKILL part way through up, then clean, leaves nothing', { skip: needsRoot }, async (t) => {
  for (const delayMs of [150, 400, 800, 1500]) {
    const name = `kill${delayMs}`;
    const child = labChild(['up', '-t', 'topologies/routing.yaml', '--name', name, '--backend', 'netns']);
    await sleep(delayMs);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const clean = lab(['clean']);
    t.equal(clean.code, 0, `clean after SIGKILL at ${delayMs} ms: ${clean.stderr}`);
    t.same(leftovers(name), [], `nothing left after SIGKILL at ${delayMs} ms`);
  }
});

/** Containers and networks of a lab on the Docker engine, by label. */
function dockerLeftovers(name: string): string[] {
  const filter = `--filter label=oneip-lab.name=${name}`;
  return sh(`docker ps -aq ${filter}; docker network ls -q ${filter}`).split('\n').filter(Boolean);
}

t.test('docker: up, status, no route out, down; SIGKILL part way then clean', { skip: dockerCase.skip }, async (t) => {
  const name = 'lcdock';
  lab(['down', '--name', name]);
  t.teardown(() => void lab(['down', '--name', name]));
  const up = lab(['up', '-t', 'topologies/routing.yaml', '--name', name, '--backend', 'docker']);
  t.equal(up.code, 0, `up succeeds: ${up.stderr}`);
  t.equal(JSON.parse(lab(['status', '--name', name, '--json']).stdout).backend, 'docker');
  const out = lab(['exec', '--name', name, 'router', '--', 'ip', 'route', 'get', '192.0.2.1']);
  t.not(out.code, 0, 'the router container has no route out of the lab');
  for (const node of ['client', 'router', 'dispatcher', 's0']) {
    const r = lab(['exec', '--name', name, node, '--', 'ip', '-4', 'route', 'show', 'table', 'all']);
    t.notMatch(r.stdout, /^default/m, `${node} has no default route`);
    t.notMatch(r.stdout, /via \d+\.\d+\.\d+\.254\b/, `${node} routes nothing via Docker's gateway`);
  }
  t.equal(lab(['down', '--name', name]).code, 0);
  t.same(dockerLeftovers(name), [], 'no container or network of the lab remains');
  for (const delayMs of [1000, 2500]) {
    const child = labChild(['up', '-t', 'topologies/routing.yaml', '--name', name, '--backend', 'docker']);
    await sleep(delayMs);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const clean = lab(['clean']);
    t.equal(clean.code, 0, `clean after SIGKILL at ${delayMs} ms: ${clean.stderr}`);
    t.same(dockerLeftovers(name), [], `nothing left on Docker after SIGKILL at ${delayMs} ms`);
    t.same(leftovers(name), [], `no state left after SIGKILL at ${delayMs} ms`);
  }
});
