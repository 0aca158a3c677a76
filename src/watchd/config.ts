// What watchd probes and how: the prober's targets from the topology (the router's probe routes are part of the plan).
import { SERVER_PORT } from '../lab/servers.js';
import { dispatcherPorts } from '../schemes/probe-routes.js';
import { findInterface, type Topology } from '../topology/types.js';
import { schemeOf } from '../schemes/registry.js';
import type { ServiceHealth } from '../server/service-spec.js';

export interface ProberConfig {
  intervalMs: number;
  /** a probe that has not answered after this long is a miss: two intervals (rounds overlap), so a slow answer is no failure */
  timeoutMs: number;
  /** the router's client-link address: dispatcher probes come from it, an off-link source for the dispatcher (so no ICMP redirect) */
  source: string;
  /** health: the topology's own service and how to ask it (absent: GET /health on the lab's HTTP server) */
  servers: { name: string; address: string; port: number; health?: ServiceHealth }[];
  /** each dispatcher's local port range; the router routes TCP from these ports via that dispatcher */
  dispatchers: { name: string; ports: [number, number] }[];
}

/** The dispatchers watchd probes: those on the packet path (a name server is not: the dns scheme). */
export function probedDispatchers(t: Topology): Topology['dispatchers'] {
  return schemeOf(t).dispatchersOnPath === false ? [] : t.dispatchers;
}

export function proberConfig(t: Topology): ProberConfig {
  return {
    intervalMs: t.watchd.intervalMs,
    timeoutMs: 2 * t.watchd.intervalMs,
    source: findInterface(t.router, 'cl').address,
    servers: t.servers.map((s) => ({ name: s.name, address: s.address, port: t.service?.port ?? SERVER_PORT, ...(t.service ? { health: t.service.health } : {}) })),
    dispatchers: probedDispatchers(t).map((d, i) => ({ name: d.name, ports: dispatcherPorts(i) })),
  };
}
