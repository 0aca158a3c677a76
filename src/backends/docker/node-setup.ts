// The script run in a container once its networks are connected: name interfaces as the spec says, cut every way out.
import type { InterfaceSpec } from '../backend.js';
import { shq } from '../common/shell-quote.js';

/**
 * Docker names interfaces eth0, eth1, ... in an order of its own; each one is found by the address Docker gave it
 * (the spec's), renamed in two steps (so eth0 <-> eth1 swaps work) and brought up. Then:
 * - the spec's prefix length replaces the subnet's if they differ;
 * - every default route goes: Docker points one at its host-side gateway (.254), and nothing may leave the lab;
 * - Docker's embedded DNS is cut off (its NAT rules flushed, resolv.conf emptied): it would resolve names outside
 *   the lab on the node's behalf. The plans load their own rules afterwards.
 * Safe to run again after a restart (revive): Docker then re-creates the interfaces as ethN.
 */
export function nodeSetupScript(interfaces: InterfaceSpec[], subnetPrefix: (network: string) => number): string {
  const lines = ['set -e', 'ip link set lo up'];
  interfaces.forEach((itf, i) => {
    const [addr] = itf.address.split('/') as [string];
    lines.push(
      `dev=$(ip -o -4 addr show | awk -v a=${shq(addr)} '{ split($4, p, "/"); if (p[1] == a) { print $2; exit } }')`,
      `[ -n "$dev" ] || { echo ${shq(`no interface has address ${addr} (network ${itf.network})`)} >&2; exit 1; }`,
      `ip link set dev "$dev" down`,
      `ip link set dev "$dev" name olabtmp${i}`,
    );
  });
  interfaces.forEach((itf, i) => {
    const [addr, len] = itf.address.split('/') as [string, string];
    lines.push(`ip link set dev olabtmp${i} name ${shq(itf.name)}`);
    const dockerLen = subnetPrefix(itf.network);
    if (Number(len) !== dockerLen) {
      lines.push(`ip addr del ${addr}/${dockerLen} dev ${shq(itf.name)}`, `ip addr add ${addr}/${len} dev ${shq(itf.name)}`);
    }
    lines.push(`ip link set dev ${shq(itf.name)} up`);
  });
  lines.push(
    'while ip -4 route del default 2>/dev/null; do :; done',
    // Docker's DNS rules live in the nat table of whichever iptables the engine uses (nft or legacy)
    'nft flush ruleset',
    'if grep -qx nat /proc/net/ip_tables_names 2>/dev/null; then iptables-legacy -t nat -F && iptables-legacy -t nat -X; fi',
    "printf '# oneip-lab: no name service inside the lab\\n' > /etc/resolv.conf",
  );
  return lines.join('\n') + '\n';
}
