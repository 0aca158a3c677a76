// Follows a growing log line by line: complete new lines are handed over in batches as soon as they are read.
import { stat } from 'node:fs/promises';
import { FileFollow, type ChunkReader } from './file-follow.js';

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
  private readonly follow: FileFollow;

  /** Follows `source` (a host file's path, or a reader of a log elsewhere) from byte `offset`, line by line. */
  constructor(source: string | ChunkReader, offset: number, onLines: (lines: string[]) => void) {
    this.follow = new FileFollow(source, offset, splitLines(onLines));
  }

  /** A host file's current size (0 when it does not exist): where a tail that skips old lines starts. */
  static async endOf(file: string): Promise<number> {
    return (await stat(file).catch(() => ({ size: 0 }))).size;
  }

  start(pollMs: number): void {
    this.follow.start(pollMs);
  }

  stop(): void {
    this.follow.stop();
  }

  /** Reads what was appended since the last read. */
  poll(): Promise<void> {
    return this.follow.poll();
  }
}
