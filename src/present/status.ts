// How a running lab reads: its scheme, nodes, addresses, injected failures, and watchd (for `lab status` and the shell).
import type { LabState } from '../lab/state.js';
import { interfaceCidr } from '../topology/types.js';
import { schemeOf } from '../schemes/registry.js';
import { formatEvent } from '../lab/watchd-events.js';
import type { WatchdStatus } from '../lab/watchd-process.js';
import { table } from './output.js';
import { dispatchStateOf } from '../schemes/cluster-state.js';
import { movedClients } from '../lab/moved-clients.js';

export interface StatusJson {
  name: string;
  scheme: string;
  backend: string;
  phase: string;
  ghost: string;
  dispatch: { function: string; alive: string[] };
  nodes: { name: string; role: string; addresses: string[] }[];
  /** injected failures: node -> killed | stopped | link-down | loss N% */
  failures?: Record<string, string>;
  /** `lab status` only: the failure detector */
  watchd?: WatchdStatus;
  /** servers drained: out of the function, finishing the connections they have */
  drained: string[];
  /** the graceful change in force, or null */
  transition: TransitionJson | null;
}

export interface TransitionJson {
  from: { servers: number; alive: string[] };
  to: { servers: number; alive: string[] };
  /** ISO 8601 */
  started: string;
  /** client addresses of the population the change moved to another server */
  moved_clients: number;
  /** connections of moved clients still open on their old owners at the last look (null before the first) */
  connections_left: number | null;
}

/** The transition in force, as status shows it. */
export function transitionJson(state: LabState): TransitionJson | null {
  const tr = state.transition;
  if (!tr) return null;
  const t = state.topology;
  const name = (k: number) => t.servers[k]?.name ?? `s${k}`;
  const to = dispatchStateOf(t, state);
  return {
    from: { servers: tr.from.servers, alive: tr.from.alive.map(name) },
    to: { servers: to.servers, alive: to.alive.map(name) },
    started: new Date(tr.started).toISOString(),
    moved_clients: movedClients(t, tr.from, to),
    connections_left: state.transitionCheck?.connectionsLeft ?? null,
  };
}

/** Injected failures and losses, node -> what. */
function failures(state: LabState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [node, f] of Object.entries(state.failures ?? {})) out[node] = f.kind;
  for (const [node, p] of Object.entries(state.loss ?? {})) out[node] = out[node] ? `${out[node]}, loss ${p}%` : `loss ${p}%`;
  return out;
}

export function statusJson(state: LabState): StatusJson {
  const t = state.topology;
  return {
    name: state.name,
    scheme: t.scheme,
    backend: state.backend,
    phase: state.phase,
    ghost: t.ghost,
    dispatch: { function: t.dispatch.function, alive: state.alive.map((k) => t.servers[k]!.name) },
    nodes: t.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      addresses: [...n.interfaces.map(interfaceCidr), ...(n.role === 'server' && schemeOf(t).ghostOnServers !== false ? [`${t.ghost}/32`] : [])],
    })),
    failures: failures(state),
    drained: (state.drained ?? []).map((k) => t.servers[k]?.name ?? `s${k}`),
    transition: transitionJson(state),
  };
}

/** The watchd part of `lab status`: state, configuration, what it changed, its last events. */
export function printWatchd(w: WatchdStatus): void {
  if (!w.enabled && !w.pid) return void console.log('watchd: off (watchd.enabled: false in the topology)');
  const state = w.running ? `running (pid ${w.pid})` : 'NOT running';
  const active = w.active_dispatcher ? `; active dispatcher: ${w.active_dispatcher}` : '';
  const down = w.down.length > 0 ? `; took out: ${w.down.join(' ')}` : '';
  console.log(`watchd: ${state}, a probe round every ${w.interval_ms} ms, ${w.misses} misses to fail${down}${active}`);
  for (const e of w.last_events) console.log(`  ${formatEvent(e)}`);
}

export function printStatus(state: LabState): void {
  const s = statusJson(state);
  console.log(`lab ${s.name}: ${s.scheme} scheme, ${s.backend} backend, ghost ${s.ghost}, dispatch ${s.dispatch.function} (alive: ${s.dispatch.alive.join(' ')})`);
  console.log(table(['node', 'role', 'addresses'], s.nodes.map((n) => [n.name, n.role, n.addresses.join(' ')])));
  const failed = Object.entries(s.failures ?? {});
  if (failed.length > 0) console.log(`injected failures: ${failed.map(([n, f]) => `${n} ${f}`).join(', ')}`);
  if (s.drained.length > 0) console.log(`drained (finishing their connections, taking no new one): ${s.drained.join(' ')}`);
  const tr = s.transition;
  if (tr) {
    const left = tr.connections_left === null ? 'not counted yet' : `${tr.connections_left} connections of moved clients left on their old owners`;
    console.log(`transition (${state.topology.transition}) since ${tr.started}: n ${tr.from.servers} -> ${tr.to.servers}, alive ${tr.from.alive.join(' ')} -> ${tr.to.alive.join(' ')}; ${tr.moved_clients} client addresses moved; ${left}`);
  }
}
