// Follows a growing file: bytes appended after an offset are handed over as soon as they are read (inotify on host files, polling always).
import { watch, type FSWatcher } from 'node:fs';
import { readFileFrom, type FileChunk } from './file-chunk.js';

/** Reads a file from a byte offset: a host file, or a file elsewhere (inside a node, through its backend). */
export type ChunkReader = (offset: number) => Promise<FileChunk | undefined>;

export class FileFollow {
  private busy = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly read: ChunkReader;

  /**
   * Follows `source` from byte `offset`: a host file's path (also watched with inotify once it exists), or a
   * reader of a file elsewhere (polled only). A file that shrinks was truncated: it is followed again from 0.
   */
  constructor(
    private readonly source: string | ChunkReader,
    private at: number,
    private readonly onData: (data: Buffer) => void,
  ) {
    this.read = typeof source === 'string' ? (o) => readFileFrom(source, o) : source;
  }

  /** How far the file has been handed over. */
  get offset(): number {
    return this.at;
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
    const chunk = await this.read(this.at);
    if (!chunk) return;
    this.watchOnce();
    if (chunk.size < this.at) {
      // truncated: start over
      this.at = 0;
      this.again = true;
      return;
    }
    if (chunk.data.length === 0) return;
    this.at += chunk.data.length;
    this.onData(chunk.data);
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
