// A link's shaping as Mininet's TCLink gives it (rate, delay, jitter): parsing of its words and the tc lines that apply it.
import type { PlanStep } from '../plan/types.js';
import type { LinkShape } from '../topology/types.js';

export type { LinkShape };

const RATE_UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

/** The rate words tc takes, as messages say them. */
export const RATE_RULE = 'a rate such as 10mbit, 512kbit or 1gbit (bit, kbit, mbit, gbit; bps, kbps, mbps, gbps are bytes per second)';

/** "10mbit" -> 10e6 bits per second; undefined when it is not a rate tc takes (or not above 0, or above 100gbit). */
export function parseRate(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/i.exec(text.trim());
  if (!m) return undefined;
  const bits = Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]!;
  return bits >= 8 && bits <= 100e9 ? Math.round(bits) : undefined;
}

/** The kernel module netem is (what the error names where the kernel lacks it). */
export const NETEM_MODULE = 'sch_netem';

/** What a failed netem qdisc means on a kernel without it. */
export const NETEM_MISSING =
  `delay and jitter need netem, and this kernel has no ${NETEM_MODULE} (CONFIG_NET_SCH_NETEM is not set, or the module is not loaded: modprobe ${NETEM_MODULE}); rate alone works with tbf`;

/** tbf's bucket: a 100th of a second at the rate, at least 32 KiB (so a 64 KiB GSO packet is segmented, never dropped whole). */
function burstBytes(rateBits: number): number {
  return Math.max(32 * 1024, Math.ceil(rateBits / 8 / 100));
}

/** The qdisc words after `tc qdisc replace dev IF root`, or undefined for no shaping. */
export function qdiscWords(shape: LinkShape): string | undefined {
  if (shape.delayMs !== undefined) {
    const jitter = shape.jitterMs ? ` ${shape.jitterMs}ms` : '';
    const rate = shape.rateBits ? ` rate ${shape.rateBits}bit` : '';
    return `netem delay ${shape.delayMs}ms${jitter}${rate}`;
  }
  if (shape.rateBits) return `tbf rate ${shape.rateBits}bit burst ${burstBytes(shape.rateBits)} latency 50ms`;
  return undefined;
}

/** "10mbit", "10mbit, delay 20ms ± 5ms" */
export function describeShape(shape: LinkShape): string {
  const parts: string[] = [];
  if (shape.rate) parts.push(shape.rate);
  if (shape.delayMs !== undefined) parts.push(`delay ${shape.delayMs}ms${shape.jitterMs ? ` ± ${shape.jitterMs}ms` : ''}`);
  return parts.join(', ') || 'no shaping';
}

/**
 * The step that shapes an interface's egress (replacing any root qdisc), or removes the shaping when `shape` has
 * none. A netem qdisc the kernel does not know fails with NETEM_MISSING instead of tc's bare "qdisc kind is unknown".
 */
export function shapeStep(ifname: string, shape: LinkShape | undefined): PlanStep {
  const words = shape && qdiscWords(shape);
  if (!words) return { kind: 'run', line: `tc qdisc del dev ${ifname} root 2>/dev/null || true`, comment: `no shaping on ${ifname}` };
  const tc = `tc qdisc replace dev ${ifname} root ${words}`;
  const comment = `link shaping on ${ifname}: ${describeShape(shape!)}`;
  if (shape!.delayMs === undefined) return { kind: 'run', line: tc, comment };
  const line = `out=$(${tc} 2>&1) || { case "$out" in *"kind is unknown"*) echo "${ifname}: ${NETEM_MISSING}" >&2 ;; *) echo "$out" >&2 ;; esac; exit 1; }`;
  return { kind: 'run', line, comment };
}
