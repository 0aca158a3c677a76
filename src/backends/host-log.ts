// Reads a log file on the host from a byte offset: what backends whose logs are host files return from readLog.
import { open } from 'node:fs/promises';
import type { LogChunk } from './backend.js';

export async function readHostLog(file: string, offset: number): Promise<LogChunk | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    if (size <= offset) return { data: Buffer.alloc(0), size };
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
    return { data: buf.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}
