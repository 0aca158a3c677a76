// Turns a topology and its plans into the backend's neutral LabSpec (networks, nodes, interfaces, sysctls).
import type { LabSpec } from '../backends/backend.js';
import type { LabPlan } from '../plan/types.js';
import { interfaceCidr, type Topology } from '../topology/types.js';

export function labSpec(name: string, t: Topology, plan: LabPlan): LabSpec {
  const sysctls = new Map(plan.nodes.map((p) => [p.node, p.sysctls]));
  return {
    lab: name,
    networks: [t.networks.client, t.networks.lan].map((n) => ({ name: n.name, subnet: n.subnet })),
    nodes: t.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      interfaces: n.interfaces.map((i) => ({ name: i.name, network: i.network, address: interfaceCidr(i) })),
      sysctls: sysctls.get(n.name) ?? {},
    })),
  };
}
