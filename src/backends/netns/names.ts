// Names of everything the netns backend creates: olab-<lab>-<node> namespaces, br-<net> bridges, <node>-<net> ports.
import { BackendError } from '../backend.js';

/** Every namespace of every lab starts with this. */
export const NS_PREFIX = 'olab-';
/** The node name reserved for the lab's switch namespace. */
export const SWITCH_NODE = 'sw';
/** Where `ip netns add` keeps its named namespaces. */
export const NETNS_RUN_DIR = '/run/netns';

const LAB_RE = /^[a-z][a-z0-9]{0,9}$/;
const NODE_RE = /^[a-z][a-z0-9]{0,10}$/;
const NETWORK_RE = /^[a-z][a-z0-9]{0,2}$/;
/** Kernel limit is 15 bytes; dots and slashes are refused because sysctl paths use them as separators. */
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,14}$/;

export function checkLabName(lab: string): string {
  if (!LAB_RE.test(lab)) throw new BackendError(`invalid lab name "${lab}": must match ${LAB_RE.source}`);
  return lab;
}

export function checkNodeName(node: string): string {
  if (!NODE_RE.test(node)) throw new BackendError(`invalid node name "${node}": must match ${NODE_RE.source}`);
  if (node === SWITCH_NODE) throw new BackendError(`node name "${SWITCH_NODE}" is reserved for the lab's switch namespace`);
  return node;
}

export function checkNetworkName(net: string): string {
  if (!NETWORK_RE.test(net)) throw new BackendError(`invalid network name "${net}": must match ${NETWORK_RE.source}`);
  return net;
}

export function checkIfName(ifname: string): string {
  if (!IFNAME_RE.test(ifname) || ifname === 'lo') {
    throw new BackendError(`invalid interface name "${ifname}": must match ${IFNAME_RE.source} and not be "lo"`);
  }
  return ifname;
}

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
  const m = /^olab-([a-z][a-z0-9]{0,9})-(.+)$/.exec(name);
  return m ? { lab: m[1]!, node: m[2]! } : null;
}
