// The lab's Docker bridge networks: address checks, overlap with existing networks, creation (no masquerade, gateway .254).
import type Docker from 'dockerode';
import { BackendError, type InterfaceSpec, type LabSpec } from '../backend.js';
import { broadcastOf, cidrContains, cidrsOverlap, cidrText, intToIp, ipToInt, isIpv4, maskOf, parseCidr, type Cidr } from '../../net/ipv4.js';
import { engineMessage } from './client.js';
import { LABEL_LAB, LABEL_NETWORK, LABEL_ROLE, networkName } from './names.js';

/** Docker's gateway on a network: the last host address (.254 of a /24), as src/topology/resolve.ts reserves. */
export function dockerGateway(subnet: string): number {
  return (broadcastOf(parseCidr(subnet)) - 1) >>> 0;
}

export function addressOf(itf: InterfaceSpec): string {
  return itf.address.split('/')[0]!;
}

/** Docker-specific checks: each address inside its network, not its network, broadcast or gateway address. Returns prefix lengths. */
export function checkAddresses(spec: LabSpec): Map<string, number> {
  const subnets = new Map(spec.networks.map((n) => [n.name, parseCidr(n.subnet)]));
  for (const node of spec.nodes) {
    for (const itf of node.interfaces) {
      const net = subnets.get(itf.network)!;
      const ip = ipToInt(addressOf(itf));
      const problem = !cidrContains(net, ip)
        ? `is outside network ${itf.network} (${cidrText(net)})`
        : ip === net.base || ip === broadcastOf(net)
          ? `is the network or broadcast address of ${itf.network}`
          : ip === dockerGateway(cidrText(net))
            ? `is Docker's gateway address on ${itf.network} (the last host address is reserved)`
            : '';
      if (problem) throw new BackendError(`interface ${itf.name}: address ${itf.address} ${problem}`, node.name);
    }
  }
  return new Map([...subnets].map(([k, v]) => [k, v.prefixLength]));
}

/** An engine-reported IPv4 subnet (host bits tolerated); undefined for IPv6 or junk. */
function lenientCidr(text: string | undefined): Cidr | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text ?? '');
  if (!m || !isIpv4(m[1]!) || Number(m[2]) > 32) return undefined;
  const prefixLength = Number(m[2]);
  return { base: (ipToInt(m[1]!) & maskOf(prefixLength)) >>> 0, prefixLength };
}

/** Docker refuses bridge networks whose subnets overlap ("Pool overlaps"); say which network is in the way. */
export async function checkNoOverlap(docker: Docker, spec: LabSpec): Promise<void> {
  const networks = await docker.listNetworks();
  for (const net of spec.networks) {
    const mine = parseCidr(net.subnet);
    for (const other of networks) {
      for (const cfg of other.IPAM?.Config ?? []) {
        const theirs = lenientCidr(cfg.Subnet);
        if (!theirs || !cidrsOverlap(mine, theirs)) continue;
        const owner = other.Labels?.[LABEL_LAB];
        throw new BackendError(
          `network ${net.name} (${net.subnet}) overlaps Docker network ${other.Name} (${cfg.Subnet})` +
            (owner ? ` of lab ${owner}` : '') +
            ': Docker bridge networks cannot share addresses; remove that one or pick another subnet',
        );
      }
    }
  }
}

/** Creates the network; returns the host bridge's name (br-<first 12 digits of the id>). */
export async function createLabNetwork(docker: Docker, lab: string, name: string, subnet: string): Promise<string> {
  try {
    const net = await docker.createNetwork({
      Name: networkName(lab, name),
      CheckDuplicate: true,
      Driver: 'bridge',
      Internal: false,
      Attachable: false,
      EnableIPv6: false,
      IPAM: { Driver: 'default', Config: [{ Subnet: cidrText(parseCidr(subnet)), Gateway: intToIp(dockerGateway(subnet)) }] },
      Options: {
        // lab traffic is never rewritten on its way through the host
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
        'com.docker.network.bridge.enable_icc': 'true',
      },
      Labels: { [LABEL_LAB]: lab, [LABEL_ROLE]: 'network', [LABEL_NETWORK]: name },
    });
    return `br-${net.id.slice(0, 12)}`;
  } catch (err) {
    throw new BackendError(`cannot create Docker network for ${name} (${subnet}): ${engineMessage(err)}`);
  }
}

/** Prefix length of each interface's network, read from the engine (for revive, which has no spec). */
export async function networkPrefixes(docker: Docker, lab: string, interfaces: InterfaceSpec[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const itf of interfaces) {
    const info = await docker.getNetwork(networkName(lab, itf.network)).inspect();
    out.set(itf.network, lenientCidr(info.IPAM?.Config?.[0]?.Subnet)?.prefixLength ?? 24);
  }
  return out;
}
