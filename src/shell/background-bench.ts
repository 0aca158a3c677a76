// The shell's one background bench: runBench with an abort signal, its progress samples turned into the live per-server table.
import { dispatchFunctionOf } from '../dispatch/registry.js';
import type { DispatchFunction, DispatchState } from '../dispatch/types.js';
import { generatorArgs, runBench, type BenchFlags, type BenchProgress } from '../lab/bench.js';
import { dispatchState } from '../lab/dispatch-control.js';
import { UsageError } from '../util/errors.js';
import type { RunningLab } from '../lab/running-lab.js';
import { readState } from '../lab/state.js';
import type { ClientSet } from '../load/client-set.js';
import { parseLoadArgs } from '../load/options.js';
import type { BenchResult } from '../report/bench-result.js';
import { liveLines } from './live-table.js';
import { evenShares, modelShares } from './model-share.js';
import { schemeOf } from '../schemes/registry.js';

export interface BenchView {
  /** the live block, about once a second */
  live(lines: string[]): void;
  /** the bench ended on its own (its --duration ran out) or failed */
  ended(result: BenchResult | undefined, error: unknown): void;
}

interface Run {
  abort: AbortController;
  done: Promise<BenchResult>;
  /** `bench stop` (or leaving) asked for the result: the view is not told */
  stopping: boolean;
  /** resolves at the first progress sample: the generator is sending, and ends cleanly on SIGTERM */
  sending: Promise<void>;
  markSending: () => void;
  prev?: BenchProgress;
  /** the model's shares for the alive set read last, and that set */
  model: { alive: string; shares: Record<string, number> };
}

/** What the model's shares are computed from. */
interface Model {
  fn: DispatchFunction;
  clients: ClientSet;
  names: string[];
  /** the scheme places no client by its address (DNS rotation): even shares of the alive servers */
  rotation: boolean;
}

export class BackgroundBench {
  private run: Run | undefined;

  get running(): boolean {
    return this.run !== undefined;
  }

  /** Starts the bench; bad flags throw here (from the generator's own parser), before anything runs. */
  async start(lab: RunningLab, flags: BenchFlags, view: BenchView): Promise<void> {
    if (this.run) throw new UsageError('a bench is running already: `bench stop` first');
    const clients = parseLoadArgs(await generatorArgs(lab, flags)).load.clients;
    const t = lab.state.topology;
    const m: Model = { fn: dispatchFunctionOf(t), clients, names: t.servers.map((s) => s.name), rotation: schemeOf(t).clientModel === 'rotation' };
    const abort = new AbortController();
    // progress comes from a file the generator writes, never before runBench's first await: `run` is set by then
    const done = runBench(lab, flags, { signal: abort.signal, onProgress: (p) => this.progress(run, lab, p, m, view) });
    let markSending = (): void => {};
    const sending = new Promise<void>((resolve) => (markSending = resolve));
    const run: Run = { abort, done, stopping: false, sending, markSending, model: sharesFor(m, dispatchState(lab)) };
    this.run = run;
    done.then(
      (result) => this.finished(run, view, result, undefined),
      (error: unknown) => this.finished(run, view, undefined, error),
    );
  }

  /** Ends the sending window and waits for the result (sent = ok + errors); undefined when no bench runs. */
  async stop(): Promise<BenchResult | undefined> {
    const run = this.run;
    if (!run) return undefined;
    run.stopping = true;
    // a generator signalled before it is up dies without a result: let it start first (or end on its own)
    await Promise.race([run.sending, run.done.catch(() => {})]);
    run.abort.abort();
    try {
      return await run.done;
    } finally {
      if (this.run === run) this.run = undefined;
    }
  }

  private finished(run: Run, view: BenchView, result: BenchResult | undefined, error: unknown): void {
    if (run.stopping) return;
    if (this.run === run) this.run = undefined;
    view.ended(result, error);
  }

  private progress(run: Run, lab: RunningLab, p: BenchProgress, m: Model, view: BenchView): void {
    run.markSending();
    if (run.stopping || this.run !== run) return;
    view.live(liveLines(run.prev, p, m.names, run.model.shares));
    run.prev = p;
    void this.refreshModel(run, lab, m);
  }

  /** The model's shares for the alive set on disk now (watchd changes it): read apart from the shell's lab, which commands update. */
  private async refreshModel(run: Run, lab: RunningLab, m: Model): Promise<void> {
    const state = await readState(lab.name).catch(() => undefined);
    if (!state || run.model.alive === state.alive.join(',')) return;
    run.model = sharesFor(m, { ...dispatchState(lab), alive: [...state.alive] });
  }
}

function sharesFor(m: Model, state: DispatchState): Run['model'] {
  return { alive: state.alive.join(','), shares: m.rotation ? evenShares(state, m.names) : modelShares(m.fn, state, m.clients, m.names) };
}
