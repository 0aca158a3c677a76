// Follows a growing log file: new complete lines are handed over as soon as they are written (inotify, with polling as a fallback).
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export class LineTail {
  private partial = '';
  private busy = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;

  constructor(
    readonly file: string,
    private offset: number,
    private readonly onLines: (lines: string[]) => void,
  ) {}

  /** The file's current size (0 when it does not exist): where a tail that skips old lines starts. */
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
    } finally {
      this.busy = false;
    }
  }

  private async readNew(): Promise<void> {
    const handle = await open(this.file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      this.watchOnce();
      const { size } = await handle.stat();
      if (size < this.offset) this.offset = 0; // truncated: start over
      if (size === this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.partial = lines.pop() ?? '';
      const complete = lines.filter((l) => l.length > 0);
      if (complete.length > 0) this.onLines(complete);
    } finally {
      await handle.close();
    }
  }

  /** inotify on the file once it exists: a write wakes us at once instead of at the next poll. */
  private watchOnce(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.file, () => void this.poll());
      this.watcher.on('error', () => {});
    } catch {
      // polling alone still works
    }
  }
}
