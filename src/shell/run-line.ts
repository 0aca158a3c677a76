// Runs one line typed at the shell: finds the command (or a node name: `s0 ip addr` runs in s0), checks its arguments, prints errors and goes on.
import { UsageError } from '../util/errors.js';
import { COMMANDS, execIn, type ShellCommand } from './commands.js';
import type { ShellContext } from './context.js';
import { splitWords } from './words.js';

function checkArity(c: ShellCommand, args: string[]): void {
  const [min, max] = c.arity;
  if (args.length < min || args.length > max) throw new UsageError(`usage: ${`${c.name} ${c.usage}`.trim()}`);
}

async function runWords(ctx: ShellContext, [name, ...args]: string[]): Promise<void> {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) {
    checkArity(command, args);
    if (command.fresh !== false) await ctx.lab.refresh();
    return command.run(ctx, args);
  }
  if (ctx.lab.state.topology.nodes.some((n) => n.name === name) && args.length > 0) return execIn(ctx, name!, args);
  console.log(`unknown command "${name}": type help for the list`);
}

/** Runs the line; an error of the command is printed as `error: message` and the shell goes on. */
export async function runLine(ctx: ShellContext, line: string): Promise<void> {
  try {
    const words = splitWords(line);
    if (words.length > 0) await runWords(ctx, words);
  } catch (err) {
    console.log(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
