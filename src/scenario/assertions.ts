// Judges a scenario's assertions on its evidence: each passes or fails with the figures that decided it.
import { actionEffect } from '../lab/actions.js';
import { inPhase, type Evidence } from './evidence.js';
import { inWindow, type Window } from './transitions.js';
import type { Assertion } from './types.js';

export interface AssertionResult {
  /** the assertion as written, e.g. "no-errors: clients of s0, s2, s3" */
  name: string;
  pass: boolean;
  detail: string;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const rel = (e: Evidence, t: number): string => `+${s(t - e.bench.start_epoch_ms)}`;

/** A window in words: "kill s1 at +3.00 s until watchd reconfigured at +3.52 s". */
export function describeWindow(e: Evidence, w: Window): string {
  const why = w.reaction ? `watchd ${w.reaction.event} at ${rel(e, w.end)}` : `${rel(e, w.end)}`;
  return `${w.action.entry.action.text} at ${rel(e, w.start)} until ${why}`;
}

function accounted(e: Evidence): AssertionResult {
  const q = e.bench.requests;
  const recorded = e.requests.length;
  const pass = q.sent === q.ok + q.errors && recorded === q.sent;
  return { name: 'accounted', pass, detail: `sent ${q.sent} = ok ${q.ok} + errors ${q.errors}${pass ? '' : ' is false'}; ${recorded} requests recorded` };
}

function noErrors(e: Evidence, clientsOf: string[]): AssertionResult {
  const mine = e.requests.filter((r) => clientsOf.includes(e.home(r.client)));
  const failed = mine.filter((r) => r.error !== undefined);
  const kinds = [...new Set(failed.map((r) => r.error))].join(', ');
  return {
    name: `no-errors: clients of ${clientsOf.join(', ')}`,
    pass: failed.length === 0 && mine.length > 0,
    detail: mine.length === 0 ? 'none of their clients sent a request' : `${failed.length} errors in ${mine.length} requests${kinds ? ` (${kinds})` : ''}`,
  };
}

function errorsInTransitions(e: Evidence): AssertionResult {
  const failed = e.requests.filter((r) => r.error !== undefined);
  const outside = failed.filter((r) => !inWindow(e.windows, r.start, r.end));
  const first = outside.slice(0, 3).map((r) => `${r.client} ${r.error} ${rel(e, r.start)}..${rel(e, r.end)}`);
  return {
    name: 'errors-only-in-transitions',
    pass: outside.length === 0,
    detail: `${failed.length - outside.length} of ${failed.length} errors ran into a transition (${e.windows.map((w) => describeWindow(e, w)).join('; ')})${outside.length ? `; ${outside.length} did not: ${first.join(', ')}` : ''}`,
  };
}

function followsModel(e: Evidence): AssertionResult {
  const answered = e.requests.filter((r) => r.server !== undefined);
  const off = answered.filter((r) => !e.allowed(r).has(r.server!));
  const first = off.slice(0, 3).map((r) => `${r.client} answered by ${r.server}, model ${[...e.allowed(r)].join('|')} at ${rel(e, r.start)}`);
  return {
    name: 'follows-model',
    pass: off.length === 0 && answered.length > 0,
    detail: `${answered.length - off.length} of ${answered.length} answers from the server the model gives for the dispatch state(s) in force (${e.spans.length} state(s))${off.length ? `; ${first.join(', ')}` : ''}`,
  };
}

/** Keep-alive: each connection answered only by the server the model gave (for a state in force) when it opened. */
function connectionsFollowModel(e: Evidence): AssertionResult {
  const conns = e.connections.filter((c) => c.servers.length > 0);
  const off = conns.filter((c) => c.servers.length > 1 || !e.allowedAt(c.client, c.opened).has(c.servers[0]![0]));
  const first = off.slice(0, 3).map((c) => `${c.client} opened ${rel(e, c.opened)}: answered by ${c.servers.map(([s, n]) => `${s}×${n}`).join(' then ')}, model ${[...e.allowedAt(c.client, c.opened)].join('|')}`);
  return {
    name: 'follows-model',
    pass: off.length === 0 && conns.length > 0,
    detail: `${conns.length - off.length} of ${conns.length} keep-alive connections answered only by the server the model gave when they opened (${e.spans.length} state(s))${off.length ? `; ${first.join('; ')}` : ''}`,
  };
}

/**
 * Every connection completes all its requests across the changes: none broke, except on a server the timeline
 * failed (a crashed server's connections are lost, as in the paper), broken once that failure had begun.
 */
function noBrokenConnections(e: Evidence): AssertionResult {
  const failed = e.windows.filter((w) => actionEffect(w.action.entry.action) === 'fails');
  const excused = (c: Evidence['connections'][number]): boolean =>
    failed.some((w) => c.broken !== undefined && c.broken >= w.start && c.servers.at(-1)?.[0] === w.action.entry.action.node);
  const broken = e.connections.filter((c) => c.broken !== undefined);
  const counted = broken.filter((c) => !excused(c));
  const first = counted.slice(0, 3).map((c) => `${c.client} on ${c.servers.at(-1)?.[0] ?? '?'} broke at ${rel(e, c.broken!)}`);
  return {
    name: 'no-broken-connections',
    pass: counted.length === 0 && e.connections.length > 0,
    detail: `${e.connections.length} connections, ${broken.length} broken (${broken.length - counted.length} on a server the timeline failed)${counted.length ? `; ${first.join(', ')}` : ''}; moved clients per change: ${e.changes.map((c) => `${c.what} ${c.moved}`).join(', ') || 'none'}`,
  };
}

function shares(e: Evidence, phaseName: string, tolerance: number): AssertionResult {
  const phase = e.phases.find((p) => p.name === phaseName)!;
  // the state in force at the phase's end: after watchd reacted to what began it
  const span = [...e.spans].reverse().find((sp) => sp.from <= phase.end) ?? e.spans[0]!;
  const model = e.populationShares(span.state);
  // the phase once settled: from watchd's reaction to what began it
  const ok = inPhase(e, phase, true).filter((r) => r.server !== undefined);
  const count = (name: string): number => ok.filter((r) => r.server === name).length;
  const names = [...new Set([...Object.keys(model), ...ok.map((r) => r.server!)])].sort();
  const rows = names.map((n) => ({ n, seen: ok.length ? count(n) / ok.length : 0, want: model[n] ?? 0 }));
  const worst = Math.max(...rows.map((r) => Math.abs(r.seen - r.want)));
  return {
    name: `shares in "${phaseName}" within ${tolerance}`,
    pass: ok.length > 0 && worst <= tolerance,
    detail: `${rows.map((r) => `${r.n} ${(100 * r.seen).toFixed(1)}% (model ${(100 * r.want).toFixed(1)}%)`).join(', ')} over ${ok.length} answers from ${rel(e, phase.settled)} (settled) to ${rel(e, phase.end)}; largest gap ${worst.toFixed(3)}`,
  };
}

function failover(e: Evidence, node: string, maxMs?: number): AssertionResult {
  const name = `failover of ${node}${maxMs !== undefined ? ` within ${s(maxMs)}` : ''}`;
  const w = e.windows.find((x) => x.action.entry.action.node === node && actionEffect(x.action.entry.action) === 'fails');
  if (!w) return { name, pass: false, detail: `the timeline never failed ${node}` };
  if (!w.reaction) return { name, pass: false, detail: `watchd did not react to "${w.action.entry.action.text}" before the next action on ${node} or the end` };
  const took = w.reaction.t - w.start;
  // the clients that lost their server: a server's own; all of them when a dispatcher failed
  const role = e.scenario.topology.nodes.find((n) => n.name === node)!.role;
  const theirs = e.requests.filter((r) => r.start >= w.start && (role !== 'server' || e.home(r.client) === node));
  const servedAgain = theirs.find((r) => r.server !== undefined && r.start >= w.reaction!.t);
  const errors = theirs.filter((r) => r.error !== undefined && r.start < w.end).length;
  const pass = servedAgain !== undefined && (maxMs === undefined || took <= maxMs);
  return {
    name,
    pass,
    detail: `${w.action.entry.action.text} -> watchd ${w.reaction.event} after ${took} ms (${w.reaction.event === 'reconfigured' ? `alive ${w.reaction.alive?.join(', ')}` : `to ${w.reaction.to}`}); ${errors} errors of the affected clients meanwhile; ${servedAgain ? `served again from ${rel(e, servedAgain.start)}` : 'never served again'}`,
  };
}

export function judge(e: Evidence, a: Assertion): AssertionResult {
  switch (a.kind) {
    case 'accounted':
      return accounted(e);
    case 'no-errors':
      return noErrors(e, a.clientsOf);
    case 'errors-only-in-transitions':
      return errorsInTransitions(e);
    case 'follows-model':
      return e.scenario.mode === 'keepalive' ? connectionsFollowModel(e) : followsModel(e);
    case 'no-broken-connections':
      return noBrokenConnections(e);
    case 'shares':
      return shares(e, a.phase, a.tolerance);
    case 'failover':
      return failover(e, a.node, a.maxMs);
  }
}

/** The actions' own outcome: one that could not be done fails the scenario. */
export function actionsRan(e: Evidence): AssertionResult {
  const bad = e.runs.filter((r) => r.error !== undefined);
  return {
    name: 'timeline ran',
    pass: bad.length === 0,
    detail: bad.length ? bad.map((r) => `${r.entry.action.text}: ${r.error}`).join('; ') : e.runs.map((r) => `${r.entry.action.text} at ${rel(e, r.start)} (${r.end - r.start} ms)`).join(', '),
  };
}

/** Requests broken by a change back: failed ones that ran into a restoring action's window. */
export function brokenByChangeBack(e: Evidence): number {
  const back = e.windows.filter((w) => actionEffect(w.action.entry.action) === 'restores');
  return e.requests.filter((r) => r.error !== undefined && inWindow(back, r.start, r.end)).length;
}
