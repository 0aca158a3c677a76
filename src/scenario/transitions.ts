// When the cluster was in transition during a scenario: each action's window until watchd's reaction, and the dispatch states in force.
import type { DispatchState } from '../dispatch/types.js';
import type { Topology } from '../topology/types.js';
import type { WatchdEvent } from '../lab/watchd-events.js';
import { actionEffect } from '../lab/actions.js';
import type { TimelineEntry } from './types.js';

/** An action as it ran: Date.now() times. */
export interface ActionRun {
  entry: TimelineEntry;
  start: number;
  end: number;
  error?: string;
}

/** From an action until the cluster is settled again (watchd's reaction, or the action's own end). */
export interface Window {
  action: ActionRun;
  start: number;
  end: number;
  /** the watchd event that ended it, if any */
  reaction?: WatchdEvent;
}

/** A dispatch state and when it may have been in force (change windows overlap both neighbours). */
export interface StateSpan {
  state: DispatchState;
  from: number;
  to: number;
}

/** Whether watchd's event is its reaction to something done to `node`. */
function reactsTo(e: WatchdEvent, node: string): boolean {
  if (e.event === 'reconfigured') return (e.down ?? []).includes(node) || (e.up ?? []).includes(node);
  return e.event === 'dispatcher-failover' && e.from === node;
}

/** Each action's window: to watchd's reaction; without one, a failure lasts until the next action on the node (or the end), a restore only its own run. */
export function transitionWindows(runs: ActionRun[], events: WatchdEvent[], endOfRun: number): Window[] {
  return runs.map((run, i) => {
    const node = run.entry.action.node;
    const next = runs.slice(i + 1).find((r) => r.entry.action.node === node);
    const limit = next ? next.start : endOfRun;
    const reaction = events.find((e) => e.t >= run.start && e.t <= limit && node !== undefined && reactsTo(e, node));
    if (reaction) return { action: run, start: run.start, end: Math.max(reaction.t, run.end), reaction };
    return { action: run, start: run.start, end: actionEffect(run.entry.action) === 'fails' ? limit : run.end };
  });
}

/** Whether [start, end] overlaps any window. */
export function inWindow(windows: Window[], start: number, end: number): Window | undefined {
  return windows.find((w) => start <= w.end && end >= w.start);
}

/** The dispatch states over the run: the initial one, then one per change (watchd's reconfigurations, and every change the lab logged). */
export function stateSpans(t: Topology, initial: DispatchState, events: WatchdEvent[], from: number, to: number): StateSpan[] {
  const changes = events.filter((e) => (e.event === 'reconfigured' || e.event === 'dispatch-changed') && e.alive !== undefined && e.t >= from);
  const spans: StateSpan[] = [{ state: initial, from, to }];
  for (const e of changes) {
    const servers = e.servers ?? spans.at(-1)!.state.servers;
    const index = (name: string) => t.servers.find((s) => s.name === name)?.index ?? Number(name.slice(1));
    const alive = e.alive!.map(index).sort((a, b) => a - b);
    const weights = Array.from({ length: servers }, (_, k) => t.servers[k]?.weight ?? 1);
    const changeStart = e.t - (e.apply_ms ?? 0);
    // the old state holds until the change is fully applied; the new one from its first step
    spans.at(-1)!.to = e.t;
    spans.push({ state: { servers, alive, weights }, from: changeStart, to });
  }
  return spans;
}
