// The shell's commands: name, arguments, one-line description, what their arguments complete to, and what they do.
import { ACTIONS, actionFromWords, actionForm, runAction, type ActionDefinition } from '../lab/actions.js';
import { printCounters, showDispatch } from '../present/dispatch.js';
import { table } from '../present/output.js';
import { printStatus, printWatchd } from '../present/status.js';
import { watchdStatus } from '../lab/watchd-process.js';
import { benchCommand } from './bench-command.js';
import { BENCH_FLAG_WORDS } from './bench-flags.js';
import type { CompletionSpec } from './completer.js';
import type { ShellContext } from './context.js';
import { nodesTable } from './nodes.js';

export interface ShellCommand extends CompletionSpec {
  /** the arguments, as help shows them */
  usage: string;
  description: string;
  /** fewest and most arguments */
  arity: [number, number];
  /** reads the lab's state afresh before it runs (watchd and other commands change it); default true */
  fresh?: boolean;
  run(ctx: ShellContext, args: string[]): Promise<void> | void;
}

const ANY = Number.POSITIVE_INFINITY;

/** Runs a command inside a node, printing its output and, when it failed, its exit code. */
export async function execIn(ctx: ShellContext, node: string, argv: string[]): Promise<void> {
  const r = await ctx.lab.exec(node, argv);
  process.stdout.write(r.stdout);
  if (r.stdout && !r.stdout.endsWith('\n')) process.stdout.write('\n');
  process.stdout.write(r.stderr);
  if (r.stderr && !r.stderr.endsWith('\n')) process.stdout.write('\n');
  if (r.exitCode !== 0) console.log(`(exit code ${r.exitCode})`);
}

function helpText(name: string | undefined): string {
  const shown = name === undefined ? COMMANDS : COMMANDS.filter((c) => c.name === name);
  if (shown.length === 0) return `no command "${name}": \`help\` lists them`;
  const rows = shown.map((c) => [`${c.name} ${c.usage}`.trim(), c.description]);
  if (name === undefined) rows.push(['NODE CMD...', 'the same as exec NODE CMD...']);
  const width = Math.max(...rows.map(([u]) => u!.length));
  const lines = rows.map(([u, d]) => `  ${u!.padEnd(width)}  ${d}`);
  return name === undefined ? ['commands (Tab completes commands and node names; Up/Down recall history):', ...lines].join('\n') : lines.join('\n');
}

/** A shell command for an entry of the lab's actions table: same words, same parser, same report. */
function actionCommand(def: ActionDefinition): ShellCommand {
  return {
    name: def.name,
    usage: actionForm(def).slice(def.name.length + 1),
    description: def.shellDescription,
    args: def.operand === 'count' ? [] : def.argument ? ['node', def.argument.completions] : ['node'],
    arity: def.argument ? [2, 2] : [1, 1],
    run: async ({ lab }, args) => console.log(await runAction(lab, actionFromWords([def.name, ...args]))),
  };
}

export const COMMANDS: ShellCommand[] = [
  { name: 'help', usage: '[COMMAND]', description: 'this list', args: ['command'], arity: [0, 1], fresh: false, run: (_, [name]) => console.log(helpText(name)) },
  {
    name: 'status',
    usage: '',
    description: 'scheme, ghost, alive servers, every node with its addresses, injected failures, watchd',
    args: [],
    arity: [0, 0],
    run: async ({ lab }) => {
      printStatus(lab.state);
      printWatchd(await watchdStatus(lab.state));
    },
  },
  { name: 'nodes', usage: '', description: 'the nodes, their roles and what was done to them', args: [], arity: [0, 0], run: ({ lab }) => console.log(table(['node', 'role', 'state'], nodesTable(lab.state))) },
  ...ACTIONS.map(actionCommand),
  { name: 'exec', usage: 'NODE CMD...', description: 'run a command inside a node: exec s0 ip -brief addr', args: ['node'], arity: [2, ANY], run: (ctx, [node, ...argv]) => execIn(ctx, node!, argv) },
  { name: 'dispatch', usage: '', description: 'the dispatch function, the alive set, how the client population maps to servers', args: [], arity: [0, 0], run: ({ lab }) => showDispatch(lab, false) },
  { name: 'counters', usage: '[NODE]', description: 'packet counters: dispatch rules, accepted/dropped ghost packets, redirects', args: ['node'], arity: [0, 1], run: ({ lab }, [node]) => printCounters(lab, node, false) },
  {
    name: 'bench',
    usage: 'start [FLAGS] | stop',
    description: 'HTTP load through the ghost in the background, a live per-server table; stop prints the summary',
    args: [['start', 'stop']],
    flags: BENCH_FLAG_WORDS,
    arity: [0, ANY],
    run: benchCommand,
  },
  { name: 'exit', usage: '', description: 'leave (so do quit and Ctrl-D); a running bench is stopped first', args: [], arity: [0, 0], fresh: false, run: (ctx) => ctx.leave() },
  { name: 'quit', usage: '', description: 'leave', args: [], arity: [0, 0], fresh: false, run: (ctx) => ctx.leave() },
];
