// A failure scenario as resolved: the lab's topology, the load, a timeline of failure actions in named phases, and the assertions.
import type { BenchFlags } from '../lab/bench.js';
import type { Topology } from '../topology/types.js';

import type { Action } from '../lab/actions.js';

/** What a timeline entry does to a node: an action of the lab's table, the same words as the commands. */
export type { Action };

export interface TimelineEntry {
  /** ms after the load starts */
  atMs: number;
  action: Action;
  /** the phase that begins with this entry */
  phase: string;
}

export type Assertion =
  | { kind: 'accounted' }
  | { kind: 'errors-only-in-transitions' }
  | { kind: 'follows-model' }
  | { kind: 'no-broken-connections' }
  | { kind: 'no-errors'; clientsOf: string[] }
  | { kind: 'shares'; phase: string; tolerance: number }
  | { kind: 'failover'; node: string; maxMs?: number };

export interface Scenario {
  file: string;
  description: string;
  /** the lab's name while the scenario runs */
  lab: string;
  topologyFile: string;
  topology: Topology;
  /** `lab bench` flags of the load that runs through the whole timeline */
  load: BenchFlags;
  durationMs: number;
  mode: 'close' | 'keepalive';
  /** name of the phase from the load's start to the first entry */
  firstPhase: string;
  timeline: TimelineEntry[];
  assertions: Assertion[];
}
