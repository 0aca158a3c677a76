// Finds and removes netns labs by name prefix: kills processes inside their namespaces, deletes namespaces and stray mounts.
import { promises as fs } from 'node:fs';
import { BackendError } from '../backend.js';
import { labPrefix, NETNS_RUN_DIR, nodeNamespace, NS_PREFIX, parseNamespace, switchNamespace } from './names.js';
import { run } from '../common/run.js';

export interface TeardownOptions {
  /** how long processes get after SIGTERM before SIGKILL (default 1000 ms) */
  termTimeoutMs?: number;
  /** how long to wait after SIGKILL before giving up on a process (default 3000 ms) */
  killTimeoutMs?: number;
}

export interface TeardownResult {
  namespaces: string[];
  /** pids that were signalled */
  killed: number[];
}

/** Names of all namespaces `ip netns list` shows (lines may read "name (id: N)"). */
export async function listNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  if (r.exitCode !== 0) throw new BackendError(`ip netns list failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Our namespaces (olab-*), optionally only those of one lab. */
export async function listLabNamespaces(lab?: string): Promise<string[]> {
  const prefix = lab === undefined ? NS_PREFIX : labPrefix(lab);
  const names = new Set((await listNamespaces()).filter((n) => n.startsWith(prefix) && parseNamespace(n)));
  for (const n of await strayEntries(prefix)) names.add(n);
  return [...names].sort();
}

/** Lab names that have at least one olab-* namespace. */
export async function listNetnsLabs(): Promise<string[]> {
  const labs = new Set<string>();
  for (const n of await listLabNamespaces()) labs.add(parseNamespace(n)!.lab);
  return [...labs].sort();
}

/** Removes the given labs (all olab-* labs when omitted); returns the labs that had something to remove. */
export async function cleanNetnsLabs(labs?: string[], options: TeardownOptions = {}): Promise<string[]> {
  const targets = labs ?? (await listNetnsLabs());
  const removed: string[] = [];
  for (const lab of targets) {
    const r = await destroyNetnsLab(lab, options);
    if (r.namespaces.length > 0) removed.push(lab);
  }
  return removed;
}

/** The teardown behind destroy() and clean: everything named olab-<lab>-*; fine when nothing exists. */
export async function destroyNetnsLab(lab: string, options: TeardownOptions = {}): Promise<TeardownResult> {
  const prefix = labPrefix(lab);
  const all = new Set<string>();
  const killed: number[] = [];
  // more rounds only when names reappear: an orphaned `ip netns add` of a killed creator may still be finishing
  for (let round = 0; round < 5; round++) {
    const namespaces = await listLabNamespaces(lab);
    if (namespaces.length === 0 && round > 0) break;
    namespaces.forEach((n) => all.add(n));
    killed.push(...(await killNamespaceProcesses(namespaces, options)));
    if (namespaces.length > 0) {
      // -force: keep going past names that are already gone
      await run('ip', ['-force', '-batch', '-'], { input: namespaces.map((n) => `netns del ${n}\n`).join('') });
    }
    await removeStrays(prefix);
  }
  const left = await listLabNamespaces(lab);
  if (left.length > 0) throw new BackendError(`lab ${lab}: could not remove ${left.join(', ')}`);
  return { namespaces: [...all].sort(), killed };
}

/**
 * Removes some nodes of a lab: every process inside their namespaces (by pid), their veths on the switch,
 * their namespaces; names already gone are fine. Returns the namespaces that were there.
 */
export async function removeNetnsNodes(lab: string, nodes: readonly string[], options: TeardownOptions = {}): Promise<string[]> {
  const wanted = nodes.map((n) => nodeNamespace(lab, n));
  const present = (await Promise.all(wanted.map(async (ns) => ((await exists(`${NETNS_RUN_DIR}/${ns}`)) ? ns : undefined)))).filter((n): n is string => !!n);
  if (present.length === 0) return [];
  await killNamespaceProcesses(present, options);
  // the switch ends first (node names hold no dash: a node's ports are "<node>-<network>"), so no frame reaches a half-removed node
  const sw = switchNamespace(lab);
  const links = await run('ip', ['-n', sw, '-o', 'link', 'show']);
  const ports = links.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((p): p is string => !!p && nodes.some((n) => p.startsWith(`${n}-`)));
  if (ports.length > 0) await run('ip', ['-n', sw, '-force', '-batch', '-'], { input: ports.map((p) => `link del ${p}\n`).join('') });
  await run('ip', ['-force', '-batch', '-'], { input: present.map((n) => `netns del ${n}\n`).join('') });
  for (const ns of present) {
    // a bind mount `ip netns del` could not remove (a process that kept it open), then its file
    if ((await strayMounts(ns)).includes(`${NETNS_RUN_DIR}/${ns}`)) await run('umount', ['-l', `${NETNS_RUN_DIR}/${ns}`]);
    await fs.rm(`${NETNS_RUN_DIR}/${ns}`, { force: true }).catch(() => {});
  }
  const left = (await Promise.all(present.map(async (ns) => ((await exists(`${NETNS_RUN_DIR}/${ns}`)) ? ns : undefined)))).filter(Boolean);
  if (left.length > 0) throw new BackendError(`lab ${lab}: could not remove ${left.join(', ')}`);
  return present;
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(
    () => true,
    () => false,
  );
}

/** dev:ino identities of named namespaces (the bind mounts under /run/netns). */
async function namespaceIds(namespaces: string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const n of namespaces) {
    try {
      const st = await fs.stat(`${NETNS_RUN_DIR}/${n}`, { bigint: true });
      ids.add(`${st.dev}:${st.ino}`);
    } catch {
      // already gone
    }
  }
  return ids;
}

/** Pids whose network namespace is one of `ids` (what `ip netns pids` lists, for many namespaces in one /proc scan). */
export async function pidsInNamespaces(ids: Set<string>): Promise<number[]> {
  if (ids.size === 0) return [];
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const st = await fs.stat(`/proc/${entry}/ns/net`, { bigint: true });
      if (ids.has(`${st.dev}:${st.ino}`)) pids.push(Number(entry));
    } catch {
      // exited, or a zombie (no namespaces any more)
    }
  }
  return pids.filter((p) => p !== process.pid);
}

/** SIGTERM every process inside the namespaces, SIGKILL what is left after the timeout, wait until none remain. */
async function killNamespaceProcesses(namespaces: string[], options: TeardownOptions): Promise<number[]> {
  const ids = await namespaceIds(namespaces);
  const termMs = options.termTimeoutMs ?? 1000;
  const killMs = options.killTimeoutMs ?? 3000;
  const start = Date.now();
  const signalled = new Map<number, NodeJS.Signals>();
  for (;;) {
    const pids = await pidsInNamespaces(ids);
    if (pids.length === 0) break;
    const elapsed = Date.now() - start;
    if (elapsed > termMs + killMs) {
      throw new BackendError(`processes ${pids.join(', ')} survived SIGKILL in ${namespaces.join(', ')}`);
    }
    const sig: NodeJS.Signals = elapsed >= termMs ? 'SIGKILL' : 'SIGTERM';
    for (const pid of pids) {
      if (signalled.get(pid) === sig) continue;
      try {
        process.kill(pid, sig);
      } catch {
        // exited meanwhile
      }
      signalled.set(pid, sig);
    }
    await sleep(20);
  }
  return [...signalled.keys()];
}

/** Entries under /run/netns with the prefix: files `ip netns del` left behind, or ones a killed `ip netns add` never mounted. */
async function strayEntries(prefix: string): Promise<string[]> {
  try {
    return (await fs.readdir(NETNS_RUN_DIR)).filter((n) => n.startsWith(prefix) && parseNamespace(n));
  } catch {
    return [];
  }
}

/** Mount points under /run/netns with the prefix, from our mount table. */
async function strayMounts(prefix: string): Promise<string[]> {
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const dir = `${NETNS_RUN_DIR}/${prefix}`;
  return text
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp.startsWith(dir));
}

async function removeStrays(prefix: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const mounts = await strayMounts(prefix);
    for (const mp of mounts) await run('umount', ['-l', mp]);
    const entries = await strayEntries(prefix);
    for (const n of entries) await fs.rm(`${NETNS_RUN_DIR}/${n}`, { force: true }).catch(() => {});
    if (mounts.length === 0 && entries.length === 0) return;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
