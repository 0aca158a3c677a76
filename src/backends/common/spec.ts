// Checks a lab spec before any backend creates anything: names, references, addresses and sysctl values.
import { isIpv4WithPrefix } from '../../net/ipv4.js';
import { BackendError, type LabSpec, type NodeSpec } from '../backend.js';
import { checkIfName, checkNetworkName, checkNodeName } from './names.js';

const SYSCTL_KEY_RE = /^[a-z0-9_]+([./][A-Za-z0-9_-]+)+$/;
const SYSCTL_VALUE_RE = /^[^'\n\\]*$/;

/** Throws a BackendError for the first problem: the spec of another lab, a bad or repeated name, an unknown network, a bad address or sysctl. */
export function validateSpec(lab: string, spec: LabSpec): void {
  if (spec.lab !== lab) throw new BackendError(`spec is for lab "${spec.lab}", backend is for lab "${lab}"`);
  const networks = new Set<string>();
  for (const net of spec.networks) {
    checkNetworkName(net.name);
    if (networks.has(net.name)) throw new BackendError(`network ${net.name} is defined twice`);
    if (!isIpv4WithPrefix(net.subnet)) throw new BackendError(`network ${net.name}: subnet "${net.subnet}" is not a.b.c.d/len`);
    networks.add(net.name);
  }
  validateNodes(spec.nodes, networks);
}

/** The node part of validateSpec, against the names of the lab's networks (also for nodes added to a lab later). */
export function validateNodes(specNodes: readonly NodeSpec[], networks: ReadonlySet<string>): void {
  const nodes = new Set<string>();
  for (const node of specNodes) {
    checkNodeName(node.name);
    if (nodes.has(node.name)) throw new BackendError(`node ${node.name} is defined twice`);
    nodes.add(node.name);
    const ifnames = new Set<string>();
    const nets = new Set<string>();
    for (const itf of node.interfaces) {
      checkIfName(itf.name);
      if (ifnames.has(itf.name)) throw new BackendError(`interface ${itf.name} is defined twice`, node.name);
      if (!networks.has(itf.network)) throw new BackendError(`interface ${itf.name}: unknown network ${itf.network}`, node.name);
      if (nets.has(itf.network)) {
        throw new BackendError(`two interfaces on network ${itf.network} (one per network per node)`, node.name);
      }
      if (!isIpv4WithPrefix(itf.address)) {
        throw new BackendError(`interface ${itf.name}: address "${itf.address}" is not a.b.c.d/len`, node.name);
      }
      ifnames.add(itf.name);
      nets.add(itf.network);
    }
    for (const [key, value] of Object.entries(node.sysctls)) {
      if (!SYSCTL_KEY_RE.test(key) || key.includes('..')) throw new BackendError(`invalid sysctl name "${key}"`, node.name);
      if (!SYSCTL_VALUE_RE.test(value)) throw new BackendError(`invalid value for sysctl ${key}: "${value}"`, node.name);
    }
  }
}
