// Names and labels of everything the Docker backend creates: olab-<lab>-<node> containers, olab-<lab>-<net> networks.
import { checkLabName, checkNetworkName, checkNodeName } from '../common/names.js';

/** The label every container and network of a lab carries: oneip-lab.name=<lab>. */
export const LABEL_LAB = 'oneip-lab.name';
/** client | router | dispatcher | server | ... for containers, "network" for networks. */
export const LABEL_ROLE = 'oneip-lab.role';
export const LABEL_NODE = 'oneip-lab.node';
export const LABEL_NETWORK = 'oneip-lab.network';
/** A container's interfaces (JSON of InterfaceSpec[] in spec order), so revive can re-wire it from the labels alone. */
export const LABEL_INTERFACES = 'oneip-lab.interfaces';

export const NAME_PREFIX = 'olab-';

export function containerName(lab: string, node: string): string {
  return `${NAME_PREFIX}${checkLabName(lab)}-${checkNodeName(node)}`;
}

/** The node of a container name (olab-<lab>-<node> -> <node>; lab names hold no dash), for messages and traces. */
export function nodeOfContainer(container: string): string {
  return container.startsWith(NAME_PREFIX) ? container.split('-').slice(2).join('-') || container : container;
}

export function networkName(lab: string, network: string): string {
  return `${NAME_PREFIX}${checkLabName(lab)}-${checkNetworkName(network)}`;
}

/** Docker list filter for one lab's objects, or for every lab's when `lab` is omitted. */
export function labFilter(lab?: string): { label: string[] } {
  return { label: [lab === undefined ? LABEL_LAB : `${LABEL_LAB}=${checkLabName(lab)}`] };
}
