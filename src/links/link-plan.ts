// The topology's link shaping as plan steps: one tc line per shaped interface of a node (none when `links` is absent).
import type { PlanStep } from '../plan/types.js';
import type { LabInterface, LabNode, Topology } from '../topology/types.js';
import { shapeStep, type LinkShape } from './link-shape.js';

/** The shaping the topology gives an interface: `links.lan` for the LAN, `links.client` for the client link. */
export function interfaceShape(t: Topology, i: LabInterface): LinkShape | undefined {
  return i.network === 'lan' ? t.links?.lan : t.links?.client;
}

/** Steps shaping every interface of the node that lies on a shaped network (each end of a link shapes its egress, as TCLink). */
export function linkSteps(t: Topology, node: LabNode): PlanStep[] {
  return node.interfaces.flatMap((i) => {
    const shape = interfaceShape(t, i);
    return shape ? [shapeStep(i.name, shape)] : [];
  });
}
