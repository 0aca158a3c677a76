// What `lab compare` reads in nodes: interface byte counters, conntrack entries and TCP sessions, the addresses a client connected to.
import { assertOk } from '../../backends/backend.js';
import { LabError } from '../../util/errors.js';
import type { RunningLab } from '../running-lab.js';

const EXEC_MS = 5000;

/** Bytes received plus sent on a node's interface so far (/sys/class/net/IF/statistics). */
export async function interfaceBytes(lab: RunningLab, node: string, ifname: string): Promise<number> {
  const dir = `/sys/class/net/${ifname}/statistics`;
  const r = await lab.backend.exec(node, ['sh', '-c', `cat ${dir}/rx_bytes ${dir}/tx_bytes`], { timeoutMs: EXEC_MS });
  assertOk(node, `reading the byte counters of ${ifname}`, r);
  return r.stdout.trim().split(/\s+/).reduce((a, v) => a + Number(v), 0);
}

/**
 * A node's state of the clients' connections now: conntrack entries whose original destination is the published
 * address (watchd's probes, which some schemes route through the dispatcher, are not the clients'; where the kernel
 * has no /proc/net/nf_conntrack, all of nf_conntrack_count; 0 where conntrack never started in the node), plus TCP
 * sockets, other than listening ones, whose local address is the published one (a proxy's or a front's sessions).
 */
export function dispatcherStateScript(ghost: string, table = '/proc/net/nf_conntrack'): string {
  const tracked = `awk -v g=dst=${ghost} '{ for (i = 1; i <= NF; i++) if ($i ~ /^dst=/) { if ($i == g) n++; break } } END { print n + 0 }' ${table}`;
  return [
    `if [ -r ${table} ]; then ${tracked}; else cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo 0; fi`,
    `ss -tanH state connected src ${ghost} | wc -l`,
  ].join('; ');
}

export async function dispatcherState(lab: RunningLab, node: string, ghost: string): Promise<number> {
  const r = await lab.backend.exec(node, ['sh', '-c', dispatcherStateScript(ghost)], { timeoutMs: EXEC_MS });
  assertOk(node, 'reading its conntrack entries and TCP sessions', r);
  return r.stdout.trim().split(/\s+/).reduce((a, v) => a + (Number(v) || 0), 0);
}

/** Samples `read` every `everyMs` until `until` settles; resolves with the largest value seen; throws when no sample could be read. */
export async function samplePeak(read: () => Promise<number>, until: Promise<unknown>, everyMs = 200): Promise<number> {
  let done = false;
  void until.finally(() => (done = true)).catch(() => {});
  let peak: number | undefined;
  let last: unknown;
  while (!done) {
    try {
      peak = Math.max(peak ?? 0, await read());
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  if (peak === undefined) throw new LabError(`no sample of the dispatcher's state could be read: ${last instanceof Error ? last.message : String(last)}`);
  return peak;
}

/** The nftables table in the client node that collects the destinations of its TCP SYNs. */
export const PEERS_TABLE = 'oneip_compare_peers';

/** Starts collecting every address the client node opens a TCP connection to (a dynamic nft set, emptied first). */
export async function startPeerSet(lab: RunningLab): Promise<void> {
  const text = [
    `table ip ${PEERS_TABLE} {}`,
    `delete table ip ${PEERS_TABLE}`,
    `table ip ${PEERS_TABLE} {`,
    '  set peers { type ipv4_addr; flags dynamic; size 65536; }',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    '    tcp flags & (syn | ack) == syn add @peers { ip daddr } comment "lab compare: where the client connects"',
    '  }',
    '}',
  ].join('\n');
  assertOk('client', 'adding the peer set', await lab.backend.exec(lab.state.topology.client.name, ['nft', '-f', '-'], { input: text + '\n', timeoutMs: EXEC_MS }));
}

/** The addresses collected since startPeerSet; the table is removed. */
export async function stopPeerSet(lab: RunningLab): Promise<string[]> {
  const node = lab.state.topology.client.name;
  const r = await lab.backend.exec(node, ['nft', '-j', 'list', 'set', 'ip', PEERS_TABLE, 'peers'], { timeoutMs: EXEC_MS });
  assertOk(node, 'reading the peer set', r);
  await lab.backend.exec(node, ['nft', 'delete', 'table', 'ip', PEERS_TABLE], { timeoutMs: EXEC_MS });
  return peersOfJson(r.stdout);
}

/** The elements of `nft -j list set`. */
export function peersOfJson(json: string): string[] {
  const items = (JSON.parse(json) as { nftables: { set?: { elem?: unknown[] } }[] }).nftables;
  const elems = items.find((i) => i.set)?.set?.elem ?? [];
  return elems.map((e) => (typeof e === 'string' ? e : ((e as { elem?: { val?: string } }).elem?.val ?? String(e)))).sort();
}
