// Follows a process's log line by line wherever it is: a host file (inotify + polling), or inside a node (a streamed tail, else polling).
import type { Backend } from '../backends/backend.js';
import { LineTail, splitLines } from '../watchd/tail.js';

export interface LogFollow {
  stop(): Promise<void>;
}

/** Calls onLines with each batch of complete new lines after byte `offset` of the node's log `file`. */
export async function followLog(backend: Backend, node: string, file: string, offset: number, onLines: (lines: string[]) => void, pollMs = 50): Promise<LogFollow> {
  if (backend.logsOnHost || !backend.followLog) {
    const tail = backend.logsOnHost ? new LineTail(file, offset, onLines) : new LineTail((o) => backend.readLog(node, file, o), offset, onLines);
    tail.start(pollMs);
    await tail.poll();
    return { stop: async () => tail.stop() };
  }
  return streamedFollow(backend, node, file, offset, splitLines(onLines));
}

/** A streamed tail that starts again, from where it got to, when its stream ends (the node was killed and revived). */
async function streamedFollow(backend: Backend, node: string, file: string, offset: number, feed: (data: Buffer) => void): Promise<LogFollow> {
  let at = offset;
  let stopped = false;
  let stopCurrent: () => Promise<void> = async () => {};
  const onData = (data: Buffer): void => {
    at += data.length;
    feed(data);
  };
  const follow = async (): Promise<void> => {
    stopCurrent = await backend.followLog!(node, file, at, onData, () => void setTimeout(() => void again(), 500));
  };
  // after an end: again until it works (the node may be down for a while) or the follow is stopped
  const again = async (): Promise<void> => {
    while (!stopped) {
      try {
        return await follow();
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  await follow();
  return {
    stop: async () => {
      stopped = true;
      await stopCurrent();
    },
  };
}

/** Where a log ends now (0 when it does not exist yet): a follow from there skips what is already written. */
export async function logEnd(backend: Backend, node: string, file: string): Promise<number> {
  if (backend.logsOnHost) return LineTail.endOf(file);
  return (await backend.readLog(node, file, 0).catch(() => undefined))?.size ?? 0;
}
