// Follows a growing log: new complete lines are handed over as soon as they are read (inotify on host files, polling always).
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { LogChunk } from '../backends/backend.js';
import { readHostLog } from '../backends/host-log.js';

/** Reads a log from a byte offset: a host file, or a file inside a node through its backend. */
export type LogReader = (offset: number) => Promise<LogChunk | undefined>;

/** Turns chunks of a log into batches of complete lines (a partial last line waits for its end). */
export function splitLines(onLines: (lines: string[]) => void): (data: Buffer) => void {
  let partial = '';
  return (data) => {
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    const complete = lines.filter((l) => l.length > 0);
    if (complete.length > 0) onLines(complete);
  };
}

export class LineTail {
  private readonly feed: (data: Buffer) => void;
  private busy = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly read: LogReader;

  /**
   * Follows `source` from byte `offset`: a host file's path (also watched with inotify), or a reader of a log
   * elsewhere (polled only).
   */
  constructor(
    private readonly source: string | LogReader,
    private offset: number,
    onLines: (lines: string[]) => void,
  ) {
    this.read = typeof source === 'string' ? (o) => readHostLog(source, o) : source;
    this.feed = splitLines(onLines);
  }

  /** A host file's current size (0 when it does not exist): where a tail that skips old lines starts. */
  static async endOf(file: string): Promise<number> {
    return (await stat(file).catch(() => ({ size: 0 }))).size;
  }

  start(pollMs: number): void {
    this.timer = setInterval(() => void this.poll(), pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
  }

  /** Reads what was appended since the last read; one read at a time. */
  async poll(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        await this.readNew();
      } while (this.again);
    } catch {
      // a read that fails (a node gone for a moment) is tried again at the next poll
    } finally {
      this.busy = false;
    }
  }

  private async readNew(): Promise<void> {
    const chunk = await this.read(this.offset);
    if (!chunk) return;
    this.watchOnce();
    if (chunk.size < this.offset) {
      // truncated: start over
      this.offset = 0;
      this.again = true;
      return;
    }
    if (chunk.data.length === 0) return;
    this.offset += chunk.data.length;
    this.feed(chunk.data);
  }

  /** inotify on a host file once it exists: a write wakes us at once instead of at the next poll. */
  private watchOnce(): void {
    if (this.watcher || typeof this.source !== 'string') return;
    try {
      this.watcher = watch(this.source, () => void this.poll());
      this.watcher.on('error', () => {});
    } catch {
      // polling alone still works
    }
  }
}
