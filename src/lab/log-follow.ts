// Follows a process's log line by line wherever it is, through its backend's followLog (a host file, or a tail streamed from the node).
import type { Backend } from '../backends/backend.js';
import { splitLines } from '../util/line-tail.js';

export interface LogFollow {
  stop(): Promise<void>;
}

/** Calls onLines with each batch of complete new lines after byte `offset` of the node's log `file`. */
export async function followLog(backend: Backend, node: string, file: string, offset: number, onLines: (lines: string[]) => void, pollMs = 50): Promise<LogFollow> {
  return restartingFollow(backend, node, file, offset, splitLines(onLines), pollMs);
}

/** A follow that starts again, from where it got to, when it ends (a streamed tail whose node was killed and revived). */
async function restartingFollow(backend: Backend, node: string, file: string, offset: number, feed: (data: Buffer) => void, pollMs: number): Promise<LogFollow> {
  let at = offset;
  let stopped = false;
  let stopCurrent: () => Promise<void> = async () => {};
  const onData = (data: Buffer): void => {
    at += data.length;
    feed(data);
  };
  const follow = async (): Promise<void> => {
    stopCurrent = await backend.followLog(node, file, at, onData, { pollMs, onEnd: () => void setTimeout(() => void again(), 500) });
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
  // an offset past any end reads no data, only the size
  return (await backend.readLog(node, file, Number.MAX_SAFE_INTEGER).catch(() => undefined))?.size ?? 0;
}
