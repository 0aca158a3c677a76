// The command line loads only commander and the command declarations for `--help` and `status`: no engine client, schema, yaml, spinner or shell.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/paths.js';

const MAIN = join(projectRoot(), 'dist', 'src', 'cli', 'main.js');
/** What `--help` and `status` must not load: they are for the commands that use them. */
const HEAVY = [/\/node_modules\/dockerode\//, /\/node_modules\/ssh2\//, /\/node_modules\/zod\//, /\/node_modules\/yaml\//, /\/node_modules\/js-yaml\//, /\/node_modules\/ora\//, /\/dist\/src\/shell\//, /\/dist\/src\/backends\//];

/** Runs the built CLI with a module-resolution hook that records every module it loads. */
function loadedBy(args: string[], env: Record<string, string> = {}): { urls: string[]; stdout: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'olab-cli-lazy-'));
  try {
    const log = join(dir, 'loaded.txt');
    writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify('file://' + join(dir, 'hooks.mjs'))});\n`);
    writeFileSync(log, '');
    const r = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { urls: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout: r.stdout, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('lab --help lists every command and loads none of their bodies', async (t) => {
  const r = loadedBy(['--help']);
  t.equal(r.status, 0, 'exit 0');
  for (const c of ['up', 'down', 'clean', 'status', 'exec', 'plan', 'compose', 'dispatch', 'counters', 'kill', 'stop', 'revive', 'link', 'loss', 'logs', 'bench', 'run', 'spread', 'doctor', 'images', 'demo', 'shell', 'test']) {
    t.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `help lists ${c}`);
  }
  t.ok(r.urls.some((u) => u.includes('/node_modules/commander/')), 'the hook sees the modules loaded (commander)');
  t.same(r.urls.filter((u) => HEAVY.some((h) => h.test(u))), [], 'no engine client, schema, yaml, spinner, shell or backend module');
});

t.test('lab status with no lab loads none of them either', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'olab-cli-state-'));
  try {
    const r = loadedBy(['status'], { OLAB_STATE_DIR: dir });
    t.equal(r.status, 1, 'exit 1: no lab is running');
    t.ok(r.urls.some((u) => u.endsWith('/dist/src/lab/state.js')), 'it did read the lab state');
    t.same(r.urls.filter((u) => HEAVY.some((h) => h.test(u)) && !u.includes('/backends/common/')), [], 'nothing heavy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
