// Reads a node's packet counters: every commented iptables/nft rule, plus IP/ICMP statistics from /proc/net/snmp.
import type { RunningLab } from './running-lab.js';

export interface RuleCounter {
  /** "iptables mangle/ONEIP-DISPATCH" or "nft ip oneip_filter/prerouting" */
  where: string;
  comment: string;
  packets: number;
}

export interface NodeCounters {
  node: string;
  rules: RuleCounter[];
  /** selected /proc/net/snmp fields: IcmpOutRedirects, IpForwDatagrams, ... */
  snmp: Record<string, number>;
}

const SNMP_FIELDS = ['Ip.ForwDatagrams', 'Ip.InReceives', 'Icmp.OutRedirects', 'Icmp.InRedirects', 'Tcp.OutRsts', 'Tcp.InSegs'];

/** iptables-save -c lines: "[pkts:bytes] -A CHAIN ... --comment "text" ..." in "*table" sections. */
export function parseIptablesSave(text: string): RuleCounter[] {
  const out: RuleCounter[] = [];
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    const m = /^\[(\d+):\d+\] -A (\S+) .*--comment (?:"([^"]*)"|(\S+))/.exec(line);
    if (m) out.push({ where: `iptables ${table}/${m[2]}`, comment: m[3] ?? m[4]!, packets: Number(m[1]) });
  }
  return out;
}

interface NftRule {
  rule?: { family: string; table: string; chain: string; comment?: string; expr: { counter?: { packets: number } }[] };
}

/** `nft -j list ruleset`: rules that have both a comment and a counter. */
export function parseNftJson(text: string): RuleCounter[] {
  if (!text.trim()) return [];
  const items = (JSON.parse(text) as { nftables: NftRule[] }).nftables;
  const out: RuleCounter[] = [];
  for (const { rule } of items) {
    if (!rule?.comment) continue;
    const counter = rule.expr.find((e) => e.counter)?.counter;
    if (counter) out.push({ where: `nft ${rule.family} ${rule.table}/${rule.chain}`, comment: rule.comment, packets: counter.packets });
  }
  return out;
}

/** Every /proc/net/snmp counter as "Proto.Field" (the file has pairs of header and value lines per protocol). */
export function parseSnmpAll(text: string): Record<string, number> {
  const lines = text.trim().split('\n');
  const all: Record<string, number> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = lines[i]!.split(/\s+/);
    const vals = lines[i + 1]!.split(/\s+/);
    const proto = head[0]!.replace(':', '');
    head.slice(1).forEach((h, j) => (all[`${proto}.${h}`] = Number(vals[j + 1])));
  }
  return all;
}

/** The /proc/net/snmp counters `lab counters` shows. */
export function parseSnmp(text: string): Record<string, number> {
  const all = parseSnmpAll(text);
  return Object.fromEntries(SNMP_FIELDS.filter((f) => f in all).map((f) => [f, all[f]!]));
}

export async function readCounters(lab: RunningLab, node: string): Promise<NodeCounters> {
  const [ipt, nft, snmp] = await Promise.all([
    lab.exec(node, ['iptables-save', '-c']),
    lab.exec(node, ['nft', '-j', 'list', 'ruleset']),
    lab.exec(node, ['cat', '/proc/net/snmp']),
  ]);
  return { node, rules: [...parseIptablesSave(ipt.stdout), ...parseNftJson(nft.stdout)], snmp: parseSnmp(snmp.stdout) };
}
