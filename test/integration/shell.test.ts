// `lab shell` through a real pseudo-terminal (a tmux pane of this test's own tmux server): prompt, help, tab completion,
// history, Ctrl-C, a background bench with its live per-server table through a kill and a revive, the summary, exec, exit.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { lab as cli, needsRoot, ROOT } from '../helpers/cli.js';
import { startLab } from '../helpers/lab-fixture.js';

const YAML = 'scheme: routing\nservers: 4\nlan: 10.0.88.0/24\nclient: {link: 198.18.88.0/24}\n';
/** A folder, tmux server (its socket in the folder) and session of this test only: teardown removes exactly these. */
const DIR = mkdtempSync(join(tmpdir(), 'olab-shl-'));
const SOCKET = join(DIR, 'tmux.sock');
const SESSION = `shl${process.pid}`;
const PROMPT = 'oneip:shl> ';
const SERVERS = ['s0', 's1', 's2', 's3'];

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-S', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The pane with its scrollback, wrapped lines joined. */
const pane = (): string => tmux('capture-pane', '-p', '-J', '-t', SESSION, '-S', '-5000');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', SESSION, ...k);
/** Types a command line and presses Enter. */
function type(line: string): void {
  keys('-l', line);
  keys('Enter');
}

/** What the pane shows after the last time `marker` appears in it ('' while it does not). */
function after(text: string, marker: string): string {
  const i = text.lastIndexOf(marker);
  return i < 0 ? '' : text.slice(i + marker.length);
}

/** The last line with text: the prompt and what is typed at it. */
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

/** Polls the pane until `found` returns something (not undefined, null or false); fails with the pane after `timeoutMs`. */
async function waitFor<T>(what: string, found: (text: string) => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = pane();
    const v = found(text);
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the pane ends with:\n${text.trimEnd().split('\n').slice(-40).join('\n')}`);
    await sleep(150);
  }
}

interface LiveTable {
  t: number;
  sent: number;
  ok: number;
  errors: number;
  rps: Record<string, number>;
}

/** The last live bench table in the text: its t= headline and each server's req/s. */
function lastLive(text: string): LiveTable | undefined {
  const heads = [...text.matchAll(/t=(\d+)s sent (\d+) ok (\d+) errors (\d+)/g)];
  const head = heads.at(-1);
  if (!head) return undefined;
  const block = text.slice(head.index!).split('└')[0]!;
  const rps: Record<string, number> = {};
  for (const m of block.matchAll(/│ (s\d+)\s+│ (\d+)\s+│/g)) rps[m[1]!] = Number(m[2]);
  if (SERVERS.some((s) => rps[s] === undefined)) return undefined; // still being drawn
  return { t: Number(head[1]), sent: Number(head[2]), ok: Number(head[3]), errors: Number(head[4]), rps };
}

/** Runs `status` until its output shows what `good` wants (watchd acts within a few probe rounds). */
async function statusUntil(what: string, good: (out: string) => boolean): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (let run = 1; ; run++) {
    const count = pane().split(`${PROMPT}status`).length - 1;
    type('status');
    const out = await waitFor(`status output (${what})`, (text) => text.split(`${PROMPT}status`).length - 1 > count && /\nwatchd: /.test(after(text, `${PROMPT}status`)) && after(text, `${PROMPT}status`));
    if (good(out)) return out;
    if (Date.now() > deadline) throw new Error(`status never showed ${what} (${run} runs); last:\n${out}`);
    await sleep(500);
  }
}

/** tmux is the pseudo-terminal: outside CI its absence skips the test (CI installs it, so there it fails instead). */
const noTmux = spawnSync('tmux', ['-V']).status !== 0 && !process.env.CI ? 'tmux is missing (apt-get install tmux)' : false;

t.test('lab shell in a real terminal: completion, history, a live bench table through kill and revive, exec, exit', { skip: needsRoot || noTmux }, async (t) => {
  await startLab(t, 'shl', YAML, 'netns');
  const built = cli(['--help']); // the ./lab wrapper builds dist/ when the sources are newer
  t.equal(built.code, 0, `the CLI is built (${built.stderr.trim().split('\n').at(-1) ?? ''})`);
  t.teardown(() => {
    spawnSync('tmux', ['-S', SOCKET, 'kill-session', '-t', SESSION]);
    spawnSync('tmux', ['-S', SOCKET, 'kill-server']);
    rmSync(DIR, { recursive: true, force: true });
  });
  const history = join(DIR, 'history');
  // the pane stays after the command ends (remain-on-exit), showing how the shell ended
  const command = `cd '${ROOT}' && env OLAB_SHELL_HISTORY='${history}' node dist/src/cli/main.js shell --name shl; echo "[shell ended: status $?]"`;
  tmux('new-session', '-d', '-s', SESSION, '-x', '200', '-y', '60', command);
  tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');

  await waitFor('the prompt', (text) => lastLine(text) === PROMPT.trimEnd());
  t.pass('the prompt appears');

  type('help');
  const help = await waitFor('the help list', (text) => /\n\s+quit\s/.test(after(text, `${PROMPT}help`)) && after(text, `${PROMPT}help`));
  for (const name of ['help', 'status', 'nodes', 'kill', 'stop', 'revive', 'link', 'loss', 'exec', 'dispatch', 'counters', 'bench', 'exit']) {
    t.match(help, new RegExp(`\\n  ${name}\\b`), `help lists ${name}`);
  }

  keys('-l', 'kil');
  keys('Tab');
  await waitFor('kil + Tab -> "kill "', (text) => lastLine(text) === `${PROMPT}kill`);
  keys('-l', 's');
  keys('Tab');
  await sleep(300); // two quick Tabs in one read are one Tab to readline's async completer
  keys('Tab');
  await waitFor('kill s + Tab Tab lists s0 s1 s2 s3', (text) => /oneip:shl> kill s\n\s*s0\s+s1\s+s2\s+s3\s*\n/.test(text));
  t.pass('"kil" + Tab completes to "kill ", then "kill s" + Tab Tab lists s0 s1 s2 s3');
  keys('C-u');

  keys('-l', 'link s1 ');
  keys('Tab');
  await sleep(300);
  keys('Tab');
  await waitFor('link s1 + Tab Tab offers down up', (text) => /oneip:shl> link s1\s*\n\s*down\s+up\s*\n/.test(text));
  t.pass('"link s1 " + Tab offers up and down');
  keys('C-c');
  await waitFor('Ctrl-C clears the typed line', (text) => lastLine(text) === PROMPT.trimEnd());
  keys('C-c');
  await waitFor('Ctrl-C on an empty line says how to leave', (text) => /down\s+up\s*\n[\s\S]*\(type exit or press Ctrl-D to leave\)\n/.test(text));
  t.pass('Ctrl-C clears the line, and on an empty one says how to leave');

  keys('Up');
  await waitFor('Up recalls the previous command', (text) => lastLine(text) === `${PROMPT}help`);
  t.pass('Up arrow recalls "help"');
  keys('C-u');

  type('bench start --rate 300');
  const first = await waitFor('the live table', (text) => lastLive(after(text, `${PROMPT}bench start --rate 300`)));
  t.same(Object.keys(first.rps).sort(), SERVERS, 'the live table has a row per server');
  const later = await waitFor('the live table refreshing', (text) => {
    const live = lastLive(after(text, `${PROMPT}bench start --rate 300`));
    return live !== undefined && live.t > first.t && live;
  });
  t.ok(later.t > first.t, `the live table refreshes: t=${first.t}s, then t=${later.t}s`);
  keys('-l', 'sta');
  const typed = await waitFor('a redraw while something is typed', (text) => {
    const live = lastLive(text);
    return live !== undefined && live.t > later.t && lastLine(text) === `${PROMPT}sta` && live;
  });
  t.pass(`what is typed stays at the prompt across redraws (t=${typed.t}s)`);
  keys('C-u');

  type('kill s2');
  await waitFor('kill s2 confirmed', (text) => /s2 killed/.test(after(text, `${PROMPT}kill s2`)));
  const dead = await waitFor('s2 at 0 req/s in the live table', (text) => {
    const live = lastLive(after(text, `${PROMPT}kill s2`));
    return live !== undefined && live.rps.s2 === 0 && live;
  });
  t.equal(dead.rps.s2, 0, `after the kill, s2 answers 0 req/s (t=${dead.t}s: ${JSON.stringify(dead.rps)})`);
  const masked = await statusUntil('s2 out of the function', (out) => /alive: s0 s1 s3\)/.test(out));
  t.match(masked, /injected failures: s2 killed/, 'status shows s2 killed');
  t.match(masked, /took out: s2/, 'and watchd took it out of the dispatch function');

  type('revive s2');
  await waitFor('revive s2 confirmed', (text) => /s2 revived/.test(after(text, `${PROMPT}revive s2`)), 60_000);
  const back = await waitFor('s2 answering again in the live table', (text) => {
    const live = lastLive(after(text, `${PROMPT}revive s2`));
    return live !== undefined && live.rps.s2! > 0 && live;
  });
  t.ok(back.rps.s2! > 0, `after the revive, s2 answers again (${back.rps.s2} req/s at t=${back.t}s)`);

  type('bench stop');
  const summary = await waitFor('the bench summary', (text) => /requests: (\d+) sent, (\d+) ok, (\d+) errors/.exec(after(text, `${PROMPT}bench stop`)));
  const [sent, ok, errors] = summary.slice(1, 4).map(Number) as [number, number, number];
  t.ok(ok > 0, `${ok} requests answered`);
  t.equal(sent, ok + errors, `every request accounted for: ${sent} sent = ${ok} ok + ${errors} errors`);
  await waitFor('the prompt after the summary', (text) => lastLine(text) === PROMPT.trimEnd());

  type('exec s0 ip -brief addr');
  const addrs = await waitFor('exec output', (text) => /10\.0\.88\.10\/24/.test(after(text, `${PROMPT}exec s0 ip -brief addr`)) && after(text, `${PROMPT}exec s0 ip -brief addr`));
  t.match(addrs, /\blo\b.*10\.0\.0\.100\/32/, 'exec: s0 carries the ghost on lo');
  t.match(addrs, /10\.0\.88\.10\/24/, 'and its primary address on the LAN');

  type('exit');
  const ended = await waitFor('the shell process to end', (text) => /\[shell ended: status (\d+)\]/.exec(text));
  t.equal(ended[1], '0', 'exit ends the shell, with status 0');
});
