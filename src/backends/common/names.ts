// Name rules every backend applies to a spec: lab (the one rule of src/util/lab-name.ts), node, network and interface names.
import { isLabName, LAB_NAME } from '../../util/lab-name.js';
import { BackendError } from '../backend.js';

/** Refused as a node name on every backend (the netns backend's switch namespace), so a spec runs on either. */
export const RESERVED_NODE = 'sw';

const NODE_RE = /^[a-z][a-z0-9]{0,10}$/;
const NETWORK_RE = /^[a-z][a-z0-9]{0,2}$/;
/** Kernel limit is 15 bytes; dots and slashes are refused because sysctl paths use them as separators. */
const IFNAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,14}$/;

export function checkLabName(lab: string): string {
  if (!isLabName(lab)) throw new BackendError(`invalid lab name "${lab}": must match ${LAB_NAME.source}`);
  return lab;
}

export function checkNodeName(node: string): string {
  if (!NODE_RE.test(node)) throw new BackendError(`invalid node name "${node}": must match ${NODE_RE.source}`);
  if (node === RESERVED_NODE) throw new BackendError(`node name "${RESERVED_NODE}" is reserved for the lab's switch namespace`);
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
