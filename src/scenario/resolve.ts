// Gives a scenario as written its meaning: times in ms, actions on real nodes, phases, assertions that name what exists.
import { parseDuration } from '../load/options.js';
import type { BenchFlags } from '../lab/bench.js';
import type { Topology } from '../topology/types.js';
import type { FieldPath, FieldProblem } from '../yaml/located-yaml.js';
import { actionEffect, parseTimelineAction } from '../lab/actions.js';
import type { RawScenario } from './schema.js';
import type { Assertion, Scenario, TimelineEntry } from './types.js';

export const ASSERTION_FORMS = 'accounted, errors-only-in-transitions, follows-model, no-broken-connections, no-errors: {clients-of: [...]}, shares: {phase: P, tolerance: 0.05}, failover: {node: N, max: 1s}';

/** What resolving adds to a scenario as written. */
export type Resolved = Pick<Scenario, 'load' | 'durationMs' | 'mode' | 'firstPhase' | 'timeline' | 'assertions'>;

class Problems {
  readonly list: FieldProblem[] = [];
  add(path: FieldPath, message: string, atKey = false): undefined {
    this.list.push({ path, message, atKey });
    return undefined;
  }
}

function timeMs(v: number | string, path: FieldPath, p: Problems): number | undefined {
  if (typeof v === 'number') {
    if (!(v >= 0) || !Number.isFinite(v)) return p.add(path, `must be a time of 0 or more, got ${v}`);
    return v * 1000;
  }
  if (/^0+(\.0+)?(ms|s|m)?$/.test(v.trim())) return 0;
  try {
    return parseDuration(v);
  } catch {
    return p.add(path, `must be a time such as 3s, 500ms or 1.5m, got "${v}"`);
  }
}

function loadFlags(raw: RawScenario['load'], p: Problems): { flags: BenchFlags; durationMs?: number } {
  const durationMs = timeMs(raw.duration, ['load', 'duration'], p);
  if (durationMs === 0) p.add(['load', 'duration'], 'must be more than zero');
  if (raw.rate === undefined && raw.concurrency === undefined) p.add(['load'], 'needs rate (open loop, requests per second) or concurrency (closed loop)');
  if (raw.rate !== undefined && raw.concurrency !== undefined) p.add(['load', 'concurrency'], 'give either rate or concurrency, not both');
  const timeoutMs = raw.timeout === undefined ? undefined : timeMs(raw.timeout, ['load', 'timeout'], p);
  if (raw.skew !== undefined && !/^(uniform|zipf:\d+(\.\d+)?)$/.test(raw.skew)) p.add(['load', 'skew'], `must be uniform or zipf:S, got "${raw.skew}"`);
  const str = (v: number | undefined): string | undefined => (v === undefined ? undefined : String(v));
  const flags: BenchFlags = {
    duration: durationMs === undefined ? undefined : `${durationMs}ms`,
    rate: str(raw.rate),
    concurrency: str(raw.concurrency),
    mode: raw.mode ?? 'close',
    clients: str(raw.clients),
    timeout: timeoutMs === undefined ? undefined : `${timeoutMs}ms`,
    seed: str(raw.seed),
    workers: str(raw.workers),
    skew: raw.skew,
    bytes: str(raw.bytes),
  };
  return { flags, durationMs };
}

function timeline(raw: RawScenario, t: Topology, durationMs: number | undefined, p: Problems): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let last = -1;
  raw.timeline.forEach((e, i) => {
    const at = timeMs(e.at, ['timeline', i, 'at'], p);
    if (at !== undefined) {
      if (durationMs !== undefined && at >= durationMs) p.add(['timeline', i, 'at'], `${e.at} is not within the load's duration (${raw.load.duration}): the timeline happens under load`);
      if (at < last) p.add(['timeline', i, 'at'], `${e.at} comes before the entry above it: list the timeline in order`);
      last = Math.max(last, at);
    }
    const action = parseTimelineAction(e.do, t);
    if (typeof action === 'string') p.add(['timeline', i, 'do'], action);
    else if (at !== undefined) out.push({ atMs: at, action, phase: e.phase ?? `after ${action.text}` });
  });
  return out;
}

function names(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/** One assertion item: a bare name or { name: settings }. */
function assertion(item: string | Record<string, unknown>, i: number, ctx: { t: Topology; phases: string[]; failed: Set<string>; mode: string }, p: Problems): Assertion | undefined {
  const path: FieldPath = ['assert', i];
  if (typeof item === 'string') {
    if (item === 'accounted' || item === 'errors-only-in-transitions') return { kind: item };
    if (item === 'follows-model') return { kind: item };
    if (item === 'no-broken-connections') {
      if (ctx.mode !== 'keepalive') return p.add(path, 'no-broken-connections needs load.mode: keepalive (in close mode a connection carries one request)');
      return { kind: item };
    }
    if (['no-errors', 'shares', 'failover'].includes(item)) return p.add(path, `${item} needs settings: ${ASSERTION_FORMS.split(', ').find((f) => f.startsWith(item))}`);
    return p.add(path, `unknown assertion "${item}": one of ${ASSERTION_FORMS}`);
  }
  const keys = Object.keys(item);
  if (keys.length !== 1) return p.add(path, `an assertion is one name with its settings, got ${keys.length} keys (${keys.join(', ')})`);
  const name = keys[0]!;
  const settings = item[name];
  const at = [...path, name];
  const obj = settings !== null && typeof settings === 'object' && !Array.isArray(settings) ? (settings as Record<string, unknown>) : undefined;
  const allow = (allowed: string[]): boolean => {
    if (!obj) return !p.add(at, `must be a mapping of settings (${allowed.join(', ')})`);
    const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
    for (const k of extra) p.add([...at, k], `unknown setting "${k}" (settings: ${allowed.join(', ')})`, true);
    return extra.length === 0;
  };
  const servers = ctx.t.servers.map((s) => s.name);
  if (name === 'no-errors') {
    if (!allow(['clients-of'])) return undefined;
    const of = names(obj!['clients-of']);
    if (!of || of.length === 0) return p.add([...at, 'clients-of'], 'required: a server name or a list of them (the clients each server serves with every server alive)');
    const bad = of.filter((s) => !servers.includes(s));
    if (bad.length) return p.add([...at, 'clients-of'], `not a server: ${bad.join(', ')} (servers: ${servers.join(', ')})`);
    return { kind: 'no-errors', clientsOf: of };
  }
  if (name === 'shares') {
    if (!allow(['phase', 'tolerance'])) return undefined;
    const phase = obj!.phase;
    if (typeof phase !== 'string' || !ctx.phases.includes(phase)) return p.add([...at, 'phase'], `must name a phase of the timeline (${ctx.phases.map((x) => `"${x}"`).join(', ')}), got ${JSON.stringify(phase)}`);
    const tol = obj!.tolerance ?? 0.05;
    if (typeof tol !== 'number' || !(tol > 0 && tol < 1)) return p.add([...at, 'tolerance'], `must be a share between 0 and 1 (e.g. 0.05), got ${JSON.stringify(tol)}`);
    return { kind: 'shares', phase, tolerance: tol };
  }
  if (name === 'failover') {
    if (!allow(['node', 'max'])) return undefined;
    const node = obj!.node;
    if (typeof node !== 'string' || !ctx.failed.has(node)) return p.add([...at, 'node'], `must name a node the timeline fails (${[...ctx.failed].join(', ') || 'none'}), got ${JSON.stringify(node)}`);
    const max = obj!.max === undefined ? undefined : timeMs(obj!.max as string | number, [...at, 'max'], p);
    return { kind: 'failover', node, ...(max !== undefined ? { maxMs: max } : {}) };
  }
  return p.add(at, `unknown assertion "${name}": one of ${ASSERTION_FORMS}`, true);
}

export function resolveScenario(raw: RawScenario, t: Topology): { ok: true; value: Resolved } | { ok: false; problems: FieldProblem[] } {
  const p = new Problems();
  const { flags, durationMs } = loadFlags(raw.load, p);
  const entries = timeline(raw, t, durationMs, p);
  // assertions name phases and nodes of the timeline: checked once the timeline itself is sound
  if (p.list.length > 0 || durationMs === undefined) return { ok: false, problems: p.list };
  const firstPhase = raw.phase ?? 'before';
  const phases = [firstPhase, ...entries.map((e) => e.phase)];
  entries.forEach((e, i) => {
    if (phases.indexOf(e.phase) < i + 1) p.add(['timeline', i, raw.timeline[i]!.phase === undefined ? 'do' : 'phase'], `phase "${e.phase}" is named twice: phase names must differ`);
  });
  const failed = new Set(entries.filter((e) => actionEffect(e.action) === 'fails').flatMap((e) => (e.action.node === undefined ? [] : [e.action.node])));
  const mode = raw.load.mode ?? 'close';
  const assertions = raw.assert.map((a, i) => assertion(a, i, { t, phases, failed, mode }, p)).filter((a): a is Assertion => a !== undefined);
  if (p.list.length > 0 || durationMs === undefined) return { ok: false, problems: p.list };
  return { ok: true, value: { load: flags, durationMs, mode, firstPhase, timeline: entries, assertions } };
}
