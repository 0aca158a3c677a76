// watchd's probe routes on the router: TCP the router sends from dispatcher i's port range goes through dispatcher i.
import type { PlanStep } from '../plan/types.js';
import { findInterface, type Topology } from '../topology/types.js';
import { run } from './base.js';

/** Dispatcher probes use local ports above the default ephemeral range (32768-60999): 100 per dispatcher. */
export const PROBE_PORT_BASE = 61000;
export const PROBE_PORTS = 100;
/** ip rule priority and routing table of dispatcher i's probe route on the router. */
export const PROBE_RULE_PRIORITY = 900;
export const PROBE_TABLE_BASE = 200;

export function dispatcherPorts(i: number): [number, number] {
  const first = PROBE_PORT_BASE + i * PROBE_PORTS;
  return [first, first + PROBE_PORTS - 1];
}

/**
 * Router steps that send dispatcher i's probes through it: TCP the router itself sends (iif lo) from i's port range
 * is looked up in table 200+i, where the LAN is reached via dispatcher i. So a probe to a server's primary address
 * goes router -> dispatcher i -> server, and the server answers the router directly: it passes only if that
 * dispatcher is up and forwarding. Client traffic (never from the router itself) is not affected. Idempotent.
 */
export function dispatcherProbeSteps(t: Topology): PlanStep[] {
  return t.dispatchers.flatMap((d, i) => {
    const [first, last] = dispatcherPorts(i);
    const priority = PROBE_RULE_PRIORITY + i;
    const table = PROBE_TABLE_BASE + i;
    const via = findInterface(d, 'lan').address;
    return [
      run(`ip rule del priority ${priority} 2>/dev/null || true`),
      run(`ip rule add priority ${priority} iif lo ipproto tcp sport ${first}-${last} lookup ${table}`, `watchd: the router's probes from ports ${first}-${last} go through ${d.name}`),
      run(`ip route replace ${t.networks.lan.subnet} via ${via} dev lan table ${table}`, `watchd: table ${table}: the LAN via ${d.name}`),
    ];
  });
}
