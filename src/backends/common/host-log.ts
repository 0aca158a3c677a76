// Logs that are host files (netns nodes, Docker nodes with the shared folder): read from an offset, followed as they grow.
import { readFileFrom } from '../../util/file-chunk.js';
import { FileFollow } from '../../util/file-follow.js';
import type { LogChunk } from '../backend.js';

/** How often a followed host log is read besides inotify's wake-ups, unless told. */
export const HOST_LOG_POLL_MS = 50;

/** The log from byte `offset` on, and its size; undefined while the file does not exist. */
export function readHostLog(file: string, offset: number): Promise<LogChunk | undefined> {
  return readFileFrom(file, offset);
}

/** Hands over what is appended to the file after `offset` until the returned stop is called; a host file never ends. */
export async function followHostLog(file: string, offset: number, onData: (data: Buffer) => void, pollMs = HOST_LOG_POLL_MS): Promise<() => Promise<void>> {
  const follow = new FileFollow(file, offset, onData);
  follow.start(pollMs);
  await follow.poll();
  return async () => follow.stop();
}
