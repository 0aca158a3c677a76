// The tcpdump command line of `lab capture` (pure): interface, pcap file, summary lines, count and filter.
import { parseDuration } from '../load/options.js';
import { UsageError } from '../util/errors.js';

export interface CaptureOptions {
  /** the node's interface (default: its LAN interface; the client's: its client link) */
  iface?: string;
  /** pcap file written on the host */
  file?: string;
  /** a pcap filter expression, e.g. "tcp port 80" */
  filter?: string;
  /** stop after this many packets */
  count?: number;
  /** stop after this long (also the deadline of a --count capture) */
  durationMs?: number;
  /** print link-layer headers (MAC addresses) in the summary lines */
  link?: boolean;
}

/** With neither --count nor --duration, a capture lasts this long; a --count capture without --duration ends by this deadline. */
export const DEFAULT_DURATION_MS = 10_000;
export const COUNT_DEADLINE_MS = 60_000;

/** How long a capture may run at most. */
export function deadlineMs(o: CaptureOptions): number {
  return o.durationMs ?? (o.count === undefined ? DEFAULT_DURATION_MS : COUNT_DEADLINE_MS);
}

/** Flags as commander gives them -> options; UsageError naming the flag at fault. */
export function parseCaptureFlags(flags: { iface?: string; write?: string; filter?: string; count?: string; duration?: string; link?: boolean }): CaptureOptions {
  const o: CaptureOptions = {};
  if (flags.iface !== undefined) {
    if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(flags.iface)) throw new UsageError(`capture: --iface must be an interface name (or any), got "${flags.iface}"`);
    o.iface = flags.iface;
  }
  if (flags.write !== undefined) {
    if (!flags.write.endsWith('.pcap')) throw new UsageError(`capture: -w FILE must end in .pcap, got "${flags.write}"`);
    o.file = flags.write;
  }
  if (flags.filter !== undefined) o.filter = flags.filter;
  if (flags.count !== undefined) {
    if (!/^\d+$/.test(flags.count) || Number(flags.count) < 1 || Number(flags.count) > 10_000_000) throw new UsageError(`capture: --count must be a whole number from 1 to 10000000, got "${flags.count}"`);
    o.count = Number(flags.count);
  }
  if (flags.duration !== undefined) {
    try {
      o.durationMs = parseDuration(flags.duration);
    } catch (err) {
      throw new UsageError(`capture: --duration ${(err as Error).message}`);
    }
    if (o.durationMs > 24 * 3600_000) throw new UsageError('capture: --duration at most 24h');
  }
  if (flags.link) o.link = true;
  return o;
}

/**
 * tcpdump's argv: numeric, line-buffered summary lines on stdout, each packet handed over as it comes (--immediate-mode) (with -w too: --print), the pcap written per packet
 * (-U) as root (-Z root: the host file is where the caller says), stopping after --count packets.
 */
export function tcpdumpArgv(iface: string, o: CaptureOptions): string[] {
  const argv = ['tcpdump', '-n', '-l', '--immediate-mode', '-i', iface, '-Z', 'root'];
  if (o.link) argv.push('-e');
  if (o.count !== undefined) argv.push('-c', String(o.count));
  if (o.file !== undefined) argv.push('-U', '-w', o.file, '--print');
  if (o.filter) argv.push(o.filter);
  return argv;
}
