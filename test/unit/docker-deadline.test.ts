// Unit tests of the Docker backend's safety parts without an engine: call deadlines against a socket that never answers, the exit/delete gate, the image method `auto` picks, the released check.
import t, { type Test } from 'tap';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { callName, DockerDeadlineError, withDeadlines } from '../../src/backends/docker/deadline.js';
import { PhaseGate, type Phase } from '../../src/backends/docker/exit-gate.js';
import { pickBuildMethod, registryAnswers } from '../../src/backends/docker/image/build.js';
import { exitedAndReleased } from '../../src/backends/docker/removal.js';
import { exitCodeOf } from '../../src/util/errors.js';

/** A unix socket that accepts connections and never writes a byte: an engine that stopped answering. */
async function silentSocket(t: Test): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'olab-silent-'));
  const path = join(dir, 'docker.sock');
  const held: Socket[] = [];
  const server: Server = createServer((s) => void held.push(s));
  await new Promise<void>((r) => server.listen(path, r));
  t.teardown(() => {
    held.forEach((s) => s.destroy());
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

t.test('every API call has a deadline: a silent engine fails the call naming it, the known cause and the fix, exit code 1', async (t) => {
  const path = await silentSocket(t);
  const docker = withDeadlines(new Docker({ socketPath: path }), `unix://${path}`, () => 300);
  for (const [what, call] of [
    ['GET /networks', () => docker.listNetworks()],
    ['POST /containers/olab-x-s1/kill', () => docker.getContainer('olab-x-s1').kill()],
    ['POST /containers/olab-x-s1/wait', () => docker.getContainer('olab-x-s1').wait()],
  ] as const) {
    const err = await (call as () => Promise<unknown>)().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, DockerDeadlineError, `${what} fails with a deadline error`);
    const msg = (err as Error).message;
    t.match(msg, what, 'names the call');
    t.match(msg, 'stopped answering', 'says the engine stopped answering');
    t.match(msg, 'moby/moby#46661', 'names the known cause');
    t.match(msg, 'scripts/ensure-docker.sh --restart', 'gives the fix');
    t.equal(exitCodeOf(err), 1);
  }
  t.equal(callName({ method: 'DELETE', path: '/networks/abc?force=1' }), 'DELETE /networks/abc', 'query left out of the name');
});

t.test('a call that is answered is not cut short (the timer only fires for silence)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-answer-'));
  const path = join(dir, 'docker.sock');
  const server = createHttpServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('[]');
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.teardown(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const docker = withDeadlines(new Docker({ socketPath: path }), `unix://${path}`, () => 5000);
  t.same(await docker.listNetworks(), []);
});

t.test('the exit gate never runs an exit and a deletion at once, and runs many of one kind together', async (t) => {
  const gate = new PhaseGate(undefined, 4);
  const running = new Map<Phase, number>([
    ['exit', 0],
    ['delete', 0],
  ]);
  let mixed = 0;
  let maxTogether = 0;
  const op = (phase: Phase, ms: number) =>
    gate.run(phase, async () => {
      running.set(phase, running.get(phase)! + 1);
      if (running.get(phase === 'exit' ? 'delete' : 'exit')! > 0) mixed++;
      maxTogether = Math.max(maxTogether, running.get(phase)!);
      await new Promise((r) => setTimeout(r, ms));
      running.set(phase, running.get(phase)! - 1);
    });
  const ops: Promise<void>[] = [];
  for (let i = 0; i < 40; i++) ops.push(op(i % 3 === 0 ? 'delete' : 'exit', 1 + (i % 7)));
  await Promise.all(ops);
  t.equal(mixed, 0, 'no exit overlapped a deletion');
  t.ok(maxTogether > 1 && maxTogether <= 4, `operations of one kind ran together, at most the limit (up to ${maxTogether})`);
  const one = new PhaseGate(undefined, 1);
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 10 }, () =>
      one.run('exit', async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 2));
        inside--;
      }),
    ),
  );
  t.equal(most, 1, 'limit 1: one at a time');
  const err = await gate.run('exit', () => Promise.reject(new Error('boom'))).catch((e: Error) => e.message);
  t.equal(err, 'boom', 'a failure passes through');
  await gate.run('delete', async () => {}); // and the gate is free afterwards
});

t.test('images build auto: offline with mmdebstrap when no registry answers; the Dockerfile only when one does', async (t) => {
  const saved = process.env.OLAB_REGISTRY_URL;
  t.teardown(() => (saved === undefined ? delete process.env.OLAB_REGISTRY_URL : (process.env.OLAB_REGISTRY_URL = saved)));
  // a closed port: refused at once, as on a machine with no registry
  process.env.OLAB_REGISTRY_URL = 'http://127.0.0.1:9/v2/';
  t.equal(await registryAnswers(), false, 'a refused registry does not answer');
  const steps: string[] = [];
  let installed = 0;
  const offline = await pickBuildMethod((s) => steps.push(s), {
    haveMmdebstrap: async () => false,
    installMmdebstrap: async () => (installed++, true),
  });
  t.equal(offline.method, 'mmdebstrap', 'no registry: the offline build');
  t.equal(installed, 1, 'mmdebstrap installed on the way');
  t.match(steps.join('\n'), 'no registry answers');
  t.equal((await pickBuildMethod(() => {}, { haveMmdebstrap: async () => true, registryAnswers: async () => true })).method, 'mmdebstrap', 'mmdebstrap there: offline even with a registry');
  await t.rejects(pickBuildMethod(() => {}, { haveMmdebstrap: async () => false, installMmdebstrap: async () => false }), /no registry answers .* mmdebstrap is missing/);

  const registry = createHttpServer((_req, res) => {
    res.statusCode = 401; // Docker Hub's answer without credentials
    res.end();
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  t.teardown(() => registry.close());
  process.env.OLAB_REGISTRY_URL = `http://127.0.0.1:${(registry.address() as { port: number }).port}/v2/`;
  t.equal(await registryAnswers(), true, 'a 401 is an answer');
  t.equal((await pickBuildMethod(() => {}, { haveMmdebstrap: async () => false })).method, 'dockerfile', 'a registry answers: docker build');
});

t.test('exitedAndReleased: stopped and no endpoint left', async (t) => {
  const info = (running: boolean, endpoints: string[]) =>
    ({ State: { Running: running, Restarting: false }, NetworkSettings: { Networks: Object.fromEntries(endpoints.map((e, i) => [`n${i}`, { EndpointID: e }])) } }) as never;
  t.equal(exitedAndReleased(info(true, [''])), false, 'running');
  t.equal(exitedAndReleased(info(false, ['abc', ''])), false, 'an endpoint still held');
  t.equal(exitedAndReleased(info(false, ['', ''])), true, 'exited and released');
});
