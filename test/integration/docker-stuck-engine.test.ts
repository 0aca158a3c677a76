// Integration test: an engine that stops answering (a fake Docker socket that accepts and never replies) makes `up`, `status` and `down` fail with the call, the cause and the fix, exit 1; never a hang.
import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { dockerAvailable } from '../../src/backends/docker/engine.js';
import { dockerLeftovers } from '../helpers/backend-cases.js';
import { LAB, ROOT, isRoot, lab, testLabName, type CliResult } from '../helpers/cli.js';

const STUCK = testLabName('d13s');
const UP = testLabName('d13u');

const engine = await dockerAvailable(5000);

/** `./lab args` asynchronously (the fake engine lives in this process, so spawnSync would starve it). */
function labAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(LAB, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    // generous: the command must end by itself long before this
    const guard = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function stuckMessage(t: Test, r: CliResult, what: string): void {
  t.equal(r.code, 1, `${what}: exit 1 (${r.stderr.trim().split('\n').pop()})`);
  t.match(r.stderr, /Docker API call (GET|POST|DELETE) \/\S+ got no answer/, `${what}: names the call`);
  t.match(r.stderr, 'stopped answering', `${what}: says the engine stopped answering`);
  t.match(r.stderr, 'moby/moby#46661', `${what}: the known cause`);
  t.match(r.stderr, 'scripts/ensure-docker.sh --restart', `${what}: the fix`);
}

if (!isRoot || !engine.ok) {
  t.plan(0, `skipping: ${!isRoot ? 'needs root' : engine.reason}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'olab-stuck-'));
  const sock = join(dir, 'docker.sock');
  const held: Socket[] = [];
  const server = createServer((s) => void held.push(s));
  await new Promise<void>((r) => server.listen(sock, r));
  const topology = join(dir, 'lab.yaml');
  writeFileSync(topology, `name: ${STUCK}\nscheme: routing\nservers: 2\nbackend: docker\nlan: 10.0.64.0/24\nclient: {link: 198.18.64.0/24}\nwatchd:\n  enabled: false\n`);
  const stuck = { DOCKER_HOST: `unix://${sock}`, OLAB_DOCKER_TIMEOUT_MS: '1500' };

  t.teardown(async () => {
    lab(['down', '--name', STUCK]);
    lab(['down', '--name', UP]);
    held.forEach((s) => s.destroy());
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  t.test('up on a stuck engine fails at once, nothing created', async (t) => {
    const r = await labAsync(['up', '-t', topology, '--name', UP, '--backend', 'docker'], stuck);
    stuckMessage(t, r, 'up');
    t.same(await dockerLeftovers(UP), [], 'nothing of the lab on the real engine');
  });

  t.test('status and down of a Docker lab whose engine stopped answering fail with the message; down works once it answers', async (t) => {
    const up = lab(['up', '-t', topology, '--name', STUCK]);
    t.equal(up.code, 0, `lab up on the real engine: ${up.stderr.trim().split('\n').pop()}`);
    stuckMessage(t, await labAsync(['status', '--name', STUCK], stuck), 'status');
    stuckMessage(t, await labAsync(['down', '--name', STUCK], stuck), 'down');
    const down = lab(['down', '--name', STUCK]);
    t.equal(down.code, 0, 'down on the real engine');
    t.same(await dockerLeftovers(STUCK), [], 'nothing left');
  });
}
