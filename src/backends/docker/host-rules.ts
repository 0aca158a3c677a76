// The lab's own host firewall rules: FORWARD accepts for its bridges when the host would drop bridged traffic, and removal of every rule commented with the lab (NOTRACK too).
//
// With br_netfilter on (net.bridge.bridge-nf-call-iptables=1) packets between two containers on one Docker
// bridge go through the host's iptables FORWARD chain. A default dockerd accepts them (`-i br -o br -j ACCEPT`
// per network); the lab's dockerd runs with --iptables=false, so on a host whose FORWARD policy is DROP (ufw's
// default, or one a default dockerd left) lab containers could not reach each other. The lab then adds exactly
// `iptables -I FORWARD -i <bridge> -o <bridge> -m comment --comment oneip-lab:<lab> -j ACCEPT` for each of its
// bridges and removes them with the lab; or, when it cannot (not root, no iptables), refuses before creating anything.
import { BackendError } from '../backend.js';
import { run } from '../common/run.js';
import { isLabName } from '../../util/lab-name.js';
import { bridgedTrafficFiltered, COMMENT_PREFIX } from './host-notrack.js';

/** Where the lab puts host rules: the raw table's PREROUTING (NOTRACK) and the filter table's FORWARD (accepts). */
const PLACES: readonly (readonly [table: string, chain: string])[] = [
  ['raw', 'PREROUTING'],
  ['filter', 'FORWARD'],
];

export interface ForwardState {
  /** br_netfilter on: bridged packets meet the host's iptables */
  bridgedFiltered: boolean;
  /** the FORWARD chain's policy (ACCEPT, DROP), or why it could not be read */
  policy: string;
  /** rules in the FORWARD chain (anything of them may drop) */
  rules: number;
  /** whether lab bridges need their own accept rules */
  needsAccept: boolean;
}

/** How the host treats forwarded bridged packets. */
export async function forwardState(): Promise<ForwardState> {
  const bridgedFiltered = await bridgedTrafficFiltered();
  const list = await run('iptables', ['-w', '-S', 'FORWARD']);
  if (list.exitCode !== 0) {
    const policy = `unknown (iptables -S FORWARD: ${(list.stderr || list.stdout).trim() || `exit ${list.exitCode}`})`;
    return { bridgedFiltered, policy, rules: 0, needsAccept: bridgedFiltered };
  }
  const lines = list.stdout.split('\n').map((l) => l.trim());
  const policy = /^-P FORWARD (\S+)/.exec(lines.find((l) => l.startsWith('-P FORWARD')) ?? '')?.[1] ?? 'unknown';
  const rules = lines.filter((l) => l.startsWith('-A FORWARD')).length;
  return { bridgedFiltered, policy, rules, needsAccept: bridgedFiltered && (policy !== 'ACCEPT' || rules > 0) };
}

/** One line for doctor and step messages. */
export function describeForward(s: ForwardState): string {
  const br = s.bridgedFiltered ? 'br_netfilter on (bridged traffic meets iptables)' : 'br_netfilter off (bridged traffic bypasses iptables)';
  return `FORWARD policy ${s.policy}, ${s.rules} rule(s); ${br}`;
}

/** Refuses at once when lab bridges would need accept rules this process cannot add. */
export async function checkForwardAllowed(lab: string): Promise<ForwardState> {
  const s = await forwardState();
  if (s.needsAccept && process.getuid?.() !== 0) {
    throw new BackendError(
      `lab ${lab}: the host's iptables would filter traffic between lab containers (${describeForward(s)}) and adding ` +
        'the lab\'s FORWARD accept rules needs root: run as root, or set net.bridge.bridge-nf-call-iptables=0',
    );
  }
  return s;
}

/** Adds one commented FORWARD accept per bridge when the host needs it; returns the bridges it added rules for. */
export async function addForwardAccept(lab: string, bridges: string[], state?: ForwardState): Promise<string[]> {
  const s = state ?? (await checkForwardAllowed(lab));
  if (!s.needsAccept) return [];
  const added: string[] = [];
  for (const br of bridges) {
    const r = await run('iptables', ['-w', '-I', 'FORWARD', '1', '-i', br, '-o', br, '-m', 'comment', '--comment', `${COMMENT_PREFIX}${lab}`, '-j', 'ACCEPT']);
    if (r.exitCode !== 0) {
      throw new BackendError(`lab ${lab}: cannot accept bridged traffic of ${br} in the host's FORWARD chain (${describeForward(s)}): iptables: ${r.stderr.trim()}`);
    }
    added.push(br);
  }
  return added;
}

/** Deletes every host rule commented with the lab (every lab's when omitted), NOTRACK and FORWARD alike; returns how many went. */
export async function removeHostRules(lab?: string): Promise<number> {
  if (process.getuid?.() !== 0) return 0;
  let removed = 0;
  for (const [table, chain] of PLACES) removed += await removeCommented(table, chain, lab);
  return removed;
}

async function removeCommented(table: string, chain: string, lab?: string): Promise<number> {
  const list = await run('iptables', ['-w', '-t', table, '-S', chain]);
  if (list.exitCode !== 0) return 0;
  const wanted = lab === undefined ? COMMENT_PREFIX : `${COMMENT_PREFIX}${lab}`;
  const head = new RegExp(`^-A ${chain} (.*)$`);
  let removed = 0;
  for (const line of list.stdout.split('\n')) {
    const m = head.exec(line.trim());
    if (!m) continue;
    const c = /--comment "?([^"\s]+)"?/.exec(m[1]!)?.[1] ?? '';
    if (lab === undefined ? !c.startsWith(wanted) : c !== wanted) continue;
    // the rule exactly as -S printed it, split on spaces outside quotes
    const args = (m[1]!.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"(.*)"$/, '$1'));
    const r = await run('iptables', ['-w', '-t', table, '-D', chain, ...args]);
    if (r.exitCode === 0) removed++;
  }
  return removed;
}

/** Labs that own host rules (by their comment): `clean` removes those of labs that left nothing else, say with no engine answering. */
export async function hostRuleLabs(): Promise<string[]> {
  if (process.getuid?.() !== 0) return [];
  const labs = new Set<string>();
  for (const [table, chain] of PLACES) {
    const list = await run('iptables', ['-w', '-t', table, '-S', chain]);
    if (list.exitCode !== 0) continue;
    for (const m of list.stdout.matchAll(/--comment "?([^"\s]+)"?/g)) if (m[1]!.startsWith(COMMENT_PREFIX) && isLabName(m[1]!.slice(COMMENT_PREFIX.length))) labs.add(m[1]!.slice(COMMENT_PREFIX.length));
  }
  return [...labs].sort();
}
