// Names of everything the netns backend creates: olab-<lab>-<node> namespaces, br-<net> bridges, <node>-<net> ports.
import { isLabName } from '../../util/lab-name.js';
import { checkLabName, checkNetworkName, checkNodeName, RESERVED_NODE } from '../common/names.js';

/** Every namespace of every lab starts with this. */
export const NS_PREFIX = 'olab-';
/** The node name of the lab's switch namespace (refused as a node name by checkNodeName). */
export const SWITCH_NODE = RESERVED_NODE;
/** Where `ip netns add` keeps its named namespaces. */
export const NETNS_RUN_DIR = '/run/netns';

/** "olab-<lab>-"; every namespace of the lab starts with it. */
export function labPrefix(lab: string): string {
  return `${NS_PREFIX}${checkLabName(lab)}-`;
}

/** The namespace of a node: olab-<lab>-<node>. */
export function nodeNamespace(lab: string, node: string): string {
  return labPrefix(lab) + checkNodeName(node);
}

/** The lab's switch namespace, holding one bridge per network: olab-<lab>-sw. */
export function switchNamespace(lab: string): string {
  return labPrefix(lab) + SWITCH_NODE;
}

/** The bridge of a network inside the switch namespace: br-<network>. */
export function bridgeName(network: string): string {
  return `br-${checkNetworkName(network)}`;
}

/** The switch end of a node's veth: <node>-<network> (at most 11 + 1 + 3 = 15 characters). */
export function switchPortName(node: string, network: string): string {
  return `${checkNodeName(node)}-${checkNetworkName(network)}`;
}

/** Splits a namespace name into lab and node ("olab-tnb1-s0" -> {lab: "tnb1", node: "s0"}); null when not ours. */
export function parseNamespace(name: string): { lab: string; node: string } | null {
  // lab names hold no dash: the lab ends at the first one after the prefix
  const m = /^olab-([^-]+)-(.+)$/.exec(name);
  return m && isLabName(m[1]!) ? { lab: m[1]!, node: m[2]! } : null;
}
