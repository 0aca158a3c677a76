// What `lab graph` draws (pure): every node with its addresses and condition, the networks, the ghost, from a topology and a lab's state.
import { describeShape, type LinkShape } from '../links/link-shape.js';
import type { LabState } from '../lab/state.js';
import type { LabNode, Topology } from '../topology/types.js';
import { schemeOf } from '../schemes/registry.js';

/** A node's condition: up, or the failure injected into it, or (a server) out of the dispatch function though running. */
export type NodeCondition = 'up' | 'killed' | 'stopped' | 'link-down' | 'out';

export interface GraphNode {
  name: string;
  role: LabNode['role'];
  /** "lan 10.0.1.10/24", and the ghost on lo for servers */
  addresses: string[];
  condition: NodeCondition;
  /** a short note: "active", "standby", "loss 20 %", "shaped 10mbit" */
  notes: string[];
}

export interface GraphModel {
  title: string;
  /** scheme, function, backend when a lab runs, the ghost */
  subtitle: string;
  ghost: string;
  scheme: string;
  /** broadcast: the address the router sends the ghost via (a broadcast neighbour entry) */
  ghost1?: string;
  /** how the router sends ghost packets, in words */
  ghostRoute: string;
  networks: { name: 'cl' | 'lan'; label: string; subnet: string; shaping?: string }[];
  client: GraphNode;
  router: GraphNode;
  /** dispatchers then servers: the nodes on the LAN besides the router */
  lan: GraphNode[];
  population: string;
}

/** What a running lab's state says of its nodes; none for a topology file. */
export interface GraphStatus {
  backend?: string;
  failures: Record<string, NodeCondition>;
  /** server names the dispatch function leaves out */
  out: string[];
  activeDispatcher?: string;
  loss: Record<string, number>;
  shape: Record<string, LinkShape>;
}

export function statusOfLab(s: LabState): GraphStatus {
  const alive = new Set(s.alive);
  return {
    backend: s.backend,
    failures: Object.fromEntries(Object.entries(s.failures ?? {}).map(([n, f]) => [n, f.kind])),
    out: s.topology.servers.filter((x) => !alive.has(x.index)).map((x) => x.name),
    ...(s.activeDispatcher ? { activeDispatcher: s.activeDispatcher } : {}),
    loss: s.loss ?? {},
    shape: s.shape ?? {},
  };
}

const NO_STATUS: GraphStatus = { failures: {}, out: [], loss: {}, shape: {} };

function graphNode(t: Topology, n: LabNode, st: GraphStatus): GraphNode {
  const addresses = n.interfaces.map((i) => `${i.name} ${i.address}/${i.prefixLength}`);
  if (n.role === 'server' && schemeOf(t).ghostOnServers !== false) addresses.push(`lo ${t.ghost}/32 (ghost)`);
  if (n.role === 'client') addresses.push(`lo ${t.clientPopulation} (clients)`);
  const condition: NodeCondition = st.failures[n.name] ?? (st.out.includes(n.name) ? 'out' : 'up');
  const notes: string[] = [];
  if (n.role === 'dispatcher' && t.dispatchers.length > 1) notes.push(n.name === (st.activeDispatcher ?? t.dispatchers[0]!.name) ? 'active' : 'standby');
  if (n.role === 'server') notes.push(`S${(n as { index?: number }).index ?? ''}`);
  if (st.loss[n.name]) notes.push(`loss ${st.loss[n.name]} %`);
  const shape = st.shape[n.name];
  if (shape) notes.push(Object.keys(shape).length === 0 ? 'unshaped' : `shaped ${describeShape(shape)}`);
  return { name: n.name, role: n.role, addresses, condition, notes };
}

/** The picture's content for a topology, with a running lab's status when there is one. */
export function graphModel(t: Topology, status: GraphStatus = NO_STATUS, labName = t.name): GraphModel {
  const node = (n: LabNode) => graphNode(t, n, status);
  const shaping = (s?: LinkShape) => (s ? { shaping: describeShape(s) } : {});
  const backend = status.backend ? `, ${status.backend}` : '';
  const active = t.dispatchers.find((d) => d.name === (status.activeDispatcher ?? t.dispatchers[0]?.name));
  const ghostRoute = active
    ? `router: ghost via ${active.name} ${active.interfaces[0]!.address}`
    : `router: ghost via ghost1 ${t.ghost1} = ff:ff:ff:ff:ff:ff (every server gets every packet)`;
  return {
    title: `lab ${labName}`,
    subtitle: `${t.scheme} dispatching, ${t.dispatch.function} function, ${t.servers.length} servers${backend}; ghost ${t.ghost}`,
    ghost: t.ghost,
    scheme: t.scheme,
    ...(schemeOf(t).usesGhost1 ? { ghost1: t.ghost1 } : {}),
    ghostRoute,
    networks: [
      { name: 'cl', label: 'client link', subnet: t.networks.client.subnet, ...shaping(t.links?.client) },
      { name: 'lan', label: 'server LAN', subnet: t.networks.lan.subnet, ...shaping(t.links?.lan) },
    ],
    client: node(t.client),
    router: node(t.router),
    lan: [...t.dispatchers, ...t.servers].map(node),
    population: t.clientPopulation,
  };
}
