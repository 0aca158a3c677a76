// worker_threads entry: says ready, waits for the common start time, runs one engine on its share, posts progress and the snapshot.
import { parentPort, workerData } from 'node:worker_threads';
import { startEngine, type EngineOptions, type ProgressCounters } from './engine.js';
import type { StatsSnapshot } from './stats.js';

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; progress: ProgressCounters }
  | { type: 'done'; snapshot: StatsSnapshot }
  | { type: 'error'; message: string };

/** Parent -> worker: start at this wall-clock time (shared so timelines line up). */
export interface StartMessage {
  type: 'start';
  startAtEpochMs: number;
}

/** Parent -> worker: end the sending window now. */
export interface StopMessage {
  type: 'stop';
}

const port = parentPort;
if (port) {
  const opts = workerData as EngineOptions;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  let stop = (): void => {};
  port.on('message', (m: StartMessage | StopMessage) => {
    if (m.type === 'stop') return stop();
    const run = startEngine({ ...opts, startAtEpochMs: m.startAtEpochMs, progressEveryMs: 250, onProgress: (progress) => post({ type: 'progress', progress }) });
    stop = run.stop;
    run.result.then(
      (snapshot) => post({ type: 'done', snapshot }),
      (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  });
  post({ type: 'ready' });
}
