// The shell scripts that wire a netns lab: bridges and veths in the switch namespace, addresses and sysctls in each node's.
import type { LabSpec, NodeSpec } from '../backend.js';
import { bridgeName, nodeNamespace, switchPortName } from './names.js';

/** /proc/sys path of a sysctl: dots separate levels unless the key already uses slashes. */
export function sysctlPath(key: string): string {
  return `/proc/sys/${key.includes('/') ? key : key.replace(/\./g, '/')}`;
}

function writeSysctl(key: string, value: string): string {
  return `printf '%s\\n' '${value}' > ${sysctlPath(key)} || { echo 'sysctl ${key}=${value} failed' >&2; exit 1; }`;
}

const IPV6_OFF = [
  writeSysctl('net.ipv6.conf.all.disable_ipv6', '1'),
  writeSysctl('net.ipv6.conf.default.disable_ipv6', '1'),
];

function ipBatch(lines: string[]): string {
  return lines.length === 0 ? '' : `ip -batch - <<'EOF'\n${lines.join('\n')}\nEOF`;
}

/** Run in the switch namespace: bridges, then each node's veth (node end created in the node's namespace). */
export function switchScript(lab: string, spec: LabSpec): string {
  const lines: string[] = [];
  for (const net of spec.networks) {
    lines.push(`link add ${bridgeName(net.name)} type bridge mcast_snooping 0`, `link set ${bridgeName(net.name)} up`);
  }
  for (const node of spec.nodes) lines.push(...portLines(lab, node));
  const noBridgeFilter = ['iptables', 'ip6tables', 'arptables'].map(
    (t) => `if [ -w /proc/sys/net/bridge/bridge-nf-call-${t} ]; then echo 0 > /proc/sys/net/bridge/bridge-nf-call-${t}; fi`,
  );
  return ['set -e', ...IPV6_OFF, ...noBridgeFilter, ipBatch(lines)].join('\n');
}

/** `ip -batch` lines run in the switch namespace: each of the node's veths, its node end moved into the node's namespace, its switch end on the bridge. */
export function portLines(lab: string, node: NodeSpec): string[] {
  return node.interfaces.flatMap((itf) => {
    const port = switchPortName(node.name, itf.network);
    return [`link add ${port} type veth peer name ${itf.name} netns ${nodeNamespace(lab, node.name)}`, `link set ${port} master ${bridgeName(itf.network)} up`];
  });
}

/** Run in the switch namespace: the veths of nodes added to a running lab. */
export function addPortsScript(lab: string, nodes: readonly NodeSpec[]): string {
  return ['set -e', ipBatch(nodes.flatMap((n) => portLines(lab, n)))].join('\n');
}

/** Run in a node's namespace once its interfaces exist: IPv6 off, sysctls (while links are down), addresses, links up. */
export function nodeScript(node: NodeSpec): string {
  const lines = ['link set lo up'];
  for (const itf of node.interfaces) lines.push(`addr add ${itf.address} dev ${itf.name}`);
  for (const itf of node.interfaces) lines.push(`link set ${itf.name} up`);
  const sysctls = Object.entries(node.sysctls).map(([k, v]) => writeSysctl(k, v));
  return ['set -e', ...IPV6_OFF, ...sysctls, ipBatch(lines)].join('\n');
}
