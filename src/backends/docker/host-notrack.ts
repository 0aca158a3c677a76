// Keeps lab traffic out of the host's conntrack: one commented raw-table NOTRACK rule per lab bridge, removed with the lab.
//
// dockerd turns bridge-nf-call-iptables on for the whole host, so every packet crossing a Docker bridge also goes
// through the host namespace's iptables and conntrack. A load run through the lab then fills the host's conntrack
// table (nf_conntrack_max, shared with everything else in the host namespace: "table full, dropping packet" drops
// lab packets at random), and ONE-IP's asymmetric paths are tracked half-seen. The per-bridge nf_call_iptables
// switch cannot undo the global one, so: `iptables -t raw -I PREROUTING -i <bridge> -j NOTRACK`, one rule per lab
// bridge, commented "oneip-lab:<lab>". Docker's own FORWARD rules still accept the untracked packets
// (`-i br -o br -j ACCEPT`, icc on). Only for a local engine, as root; elsewhere this is skipped and says why.
import { readFile } from 'node:fs/promises';
import { run } from '../common/run.js';

export const COMMENT_PREFIX = 'oneip-lab:';

export interface NoTrackResult {
  added: string[];
  /** why nothing was added (empty when rules were added) */
  skipped: string;
}

function comment(lab: string): string {
  return `${COMMENT_PREFIX}${lab}`;
}

/** Whether bridged packets go through the host's iptables at all (br_netfilter loaded and switched on). */
export async function bridgedTrafficFiltered(): Promise<boolean> {
  try {
    return (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8')).trim() === '1';
  } catch {
    return false; // br_netfilter not loaded
  }
}

/**
 * Adds a NOTRACK rule for each bridge when bridged traffic meets the host's iptables; never throws (the lab works
 * without, only less well under load). When it does not (a dockerd run with --iptables=false, as
 * scripts/ensure-docker.sh starts it), no rule is added: the rule itself would switch conntrack on in the host.
 */
export async function addNoTrack(lab: string, bridges: string[]): Promise<NoTrackResult> {
  if (!(await bridgedTrafficFiltered())) return { added: [], skipped: '' };
  if (process.getuid?.() !== 0) return { added: [], skipped: 'not root' };
  const added: string[] = [];
  for (const br of bridges) {
    const r = await run('iptables', ['-w', '-t', 'raw', '-I', 'PREROUTING', '-i', br, '-m', 'comment', '--comment', comment(lab), '-j', 'NOTRACK']);
    if (r.exitCode !== 0) return { added, skipped: `iptables failed: ${r.stderr.trim()}` };
    added.push(br);
  }
  return { added, skipped: '' };
}

// removal: host-rules.ts removeHostRules (every rule commented with the lab, NOTRACK and FORWARD alike)
