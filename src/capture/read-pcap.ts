// Reads a pcap back with `tcpdump -e -n -r` into frames: MAC and IPv4 addresses and ports, and the summary line.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabError } from '../util/errors.js';

const run = promisify(execFile);

export interface Frame {
  srcMac: string;
  dstMac: string;
  /** IPv4 source and destination with their ports, e.g. "10.0.0.100.80"; undefined for a frame that is not IPv4 */
  src?: string;
  dst?: string;
  line: string;
}

// 12:00:00.000000 02:42:c6:12:00:02 > 02:42:c6:12:00:01, ethertype IPv4 (0x0800), length 74: 198.18.128.7.42044 > 10.0.0.100.80: Flags [S], ...
const FRAME = /^\S+ ([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (\S+) \(0x[0-9a-f]+\), length \d+: (.*)$/;
const IPV4 = /^(\d+\.\d+\.\d+\.\d+(?:\.\d+)?) > (\d+\.\d+\.\d+\.\d+(?:\.\d+)?):/;

/** One `tcpdump -e -n` line as a frame; undefined for lines of another shape. */
export function parseFrameLine(line: string): Frame | undefined {
  const m = FRAME.exec(line);
  if (!m) return undefined;
  const ip = m[3] === 'IPv4' ? IPV4.exec(m[4]!) : null;
  return { srcMac: m[1]!, dstMac: m[2]!, ...(ip ? { src: ip[1]!, dst: ip[2]! } : {}), line };
}

/** Every frame of a pcap file (with `filter`, those it matches), read with the host's tcpdump. */
export async function readPcap(file: string, filter?: string, tcpdump = 'tcpdump'): Promise<Frame[]> {
  try {
    const { stdout } = await run(tcpdump, ['-e', '-n', '-r', file, ...(filter ? [filter] : [])], { timeout: 30_000, maxBuffer: 256 << 20 });
    return stdout.split('\n').filter(Boolean).map((l) => parseFrameLine(l) ?? { srcMac: '', dstMac: '', line: l });
  } catch (err) {
    throw new LabError(`tcpdump -r ${file} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}
