// `bench start [FLAGS]`, `bench stop` and `bench` of the shell: one background bench, its live table above the prompt, its summary at the end.
import { printBench } from '../present/bench.js';
import { UsageError } from '../util/errors.js';
import type { BenchResult } from '../report/bench-result.js';
import type { BenchView } from './background-bench.js';
import { parseBenchFlags } from './bench-flags.js';
import type { ShellContext } from './context.js';

/** Where a bench's live table and its unasked-for end go. */
function viewOf(ctx: ShellContext): BenchView {
  return {
    live: (lines) => ctx.screen.live(lines),
    ended: (result, error) =>
      ctx.screen.message(() => {
        if (!result) return console.log(`error: bench: ${error instanceof Error ? error.message : String(error)}`);
        console.log('bench finished:');
        printBench(result);
      }),
  };
}

/** Stops the running bench and prints its summary; says so when none runs. */
export async function stopBench(ctx: ShellContext): Promise<BenchResult | undefined> {
  if (!ctx.bench.running) return void console.log('no bench is running');
  console.log('stopping the bench (requests in flight finish)...');
  const result = await ctx.bench.stop();
  if (result) printBench(result);
  return result;
}

export async function benchCommand(ctx: ShellContext, args: string[]): Promise<void> {
  const [what, ...flags] = args;
  if (what === 'stop') return void (await stopBench(ctx));
  if (what === undefined) return void console.log(ctx.bench.running ? 'a bench is running: `bench stop` ends it and prints the summary' : 'no bench is running: `bench start [--rate R | --concurrency C] [...]`');
  if (what !== 'start') throw new UsageError('usage: bench start [FLAGS] | bench stop');
  await ctx.bench.start(ctx.lab, parseBenchFlags(flags), viewOf(ctx));
  console.log('bench started: a live per-server table every second; `bench stop` ends it and prints the summary');
}
