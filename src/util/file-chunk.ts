// Reads a file from a byte offset: the bytes after it and the file's whole size then (a growing log, read piece by piece).
import { open } from 'node:fs/promises';

/** Part of a file: the bytes from the offset asked for, and the whole file's size then. */
export interface FileChunk {
  data: Buffer;
  size: number;
}

/** Undefined while the file does not exist; an offset at or past the end gives no data, only the size. */
export async function readFileFrom(file: string, offset: number): Promise<FileChunk | undefined> {
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
