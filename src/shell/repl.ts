// The shell's read-eval-print loop on node:readline: prompt `oneip:<lab>> `, history, tab completion, Ctrl-C and Ctrl-D, leaving cleanly.
import { createInterface, type Interface } from 'node:readline';
import type { RunningLab } from '../lab/running-lab.js';
import { BackgroundBench } from './background-bench.js';
import { stopBench } from './bench-command.js';
import { COMMANDS } from './commands.js';
import { complete } from './completer.js';
import type { ShellContext } from './context.js';
import { HISTORY_SIZE, loadHistory, saveHistory } from './history.js';
import { runLine } from './run-line.js';
import { PromptScreen } from './screen.js';

export interface ShellOptions {
  lab: RunningLab;
  /** the history file (undefined: none) */
  history: string | undefined;
  /** runs after a running bench was stopped, before the shell ends (e.g. taking the lab down) */
  onLeave?: () => Promise<void>;
}

function readlineFor(lab: RunningLab, history: string | undefined): Interface {
  const nodes = lab.state.topology.nodes.map((n) => n.name);
  return createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: `oneip:${lab.name}> `,
    completer: (before: string) => complete(before, COMMANDS, nodes),
    history: loadHistory(history),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  });
}

/** Ctrl-C: clears a typed line; on an empty one, says how to leave. */
function onInterrupt(rl: Interface, ctx: ShellContext): void {
  if (rl.line.length > 0) {
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    return;
  }
  const bench = ctx.bench.running ? '; `bench stop` ends the bench' : '';
  ctx.screen.message(`(type exit or press Ctrl-D to leave${bench})`);
}

/** Runs the shell until exit, quit, Ctrl-D, SIGHUP or SIGTERM; a running bench is stopped (and summed up) first. */
export function runShell(opts: ShellOptions): Promise<void> {
  const rl = readlineFor(opts.lab, opts.history);
  const screen = new PromptScreen(rl, process.stdout);
  const ctx: ShellContext = { lab: opts.lab, bench: new BackgroundBench(), screen, leave: () => rl.close() };
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      screen.commandStarted();
      await runLine(ctx, line);
      screen.commandEnded();
    });
  });
  rl.on('history', (history: string[]) => saveHistory(opts.history, history));
  rl.on('SIGINT', () => onInterrupt(rl, ctx));
  const leaveOnSignal = (): void => rl.close();
  process.on('SIGHUP', leaveOnSignal);
  process.on('SIGTERM', leaveOnSignal);
  // a terminal that went away (SIGHUP: EIO on setRawMode, reads and writes) must not cut the leaving short
  const ignore = (): void => {};
  rl.on('error', ignore);
  process.stdin.on('error', ignore);
  process.stdout.on('error', ignore);
  rl.prompt();
  return new Promise((resolve) => {
    rl.once('close', () => {
      screen.close();
      // the signal handlers stay until the bench is stopped and the lab taken down: a second SIGHUP must not cut that short
      void queue
        .then(() => leave(ctx, opts))
        .finally(() => {
          process.off('SIGHUP', leaveOnSignal);
          process.off('SIGTERM', leaveOnSignal);
          resolve();
        });
    });
  });
}

async function leave(ctx: ShellContext, opts: ShellOptions): Promise<void> {
  process.stdout.write('\n');
  try {
    if (ctx.bench.running) await stopBench(ctx);
    await opts.onLeave?.();
  } catch (err) {
    console.log(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
