// The failure run of `lab compare`: the steady load with one node failed part way, as a scenario, judged by the scenario judge; errors of its clients and of everyone else's, and the time until all are served again.
import { judge } from '../../scenario/assertions.js';
import type { Evidence, Request } from '../../scenario/evidence.js';
import { runScenarioWithEvidence } from '../../scenario/run.js';
import type { Scenario } from '../../scenario/types.js';
import type { Action } from '../actions.js';
import type { RunningLab } from '../running-lab.js';
import type { CompareDetail, CompareRow } from './types.js';

/** The failure comes at this fraction of the run, so the cluster is steady before and settles after. */
const FAIL_AT = 0.3;

export function failureScenario(lab: RunningLab, file: string, action: Action, durationMs: number, rate: number): Scenario {
  const t = lab.state.topology;
  return {
    file,
    description: `lab compare: ${action.text} under ${rate} req/s`,
    lab: lab.name,
    topologyFile: file,
    topology: t,
    load: { rate: String(rate), duration: `${durationMs}ms`, mode: 'close', timeout: '2s' },
    durationMs,
    mode: 'close',
    firstPhase: 'steady',
    timeline: [{ atMs: Math.round(durationMs * FAIL_AT), action, phase: 'failed' }],
    assertions: [],
  };
}

/** Whether a request is of a client of the failed node: its home server's clients, or everyone's when a router or dispatcher failed. */
function ofFailed(e: Evidence, node: string): (r: Request) => boolean {
  const role = e.scenario.topology.nodes.find((n) => n.name === node)?.role;
  return (r) => role !== 'server' || e.home(r.client) === node;
}

/**
 * From the failure's start: errors of the failed node's clients and of the others', and how long until the failed
 * node's clients were all served again: to the first of their requests answered that started after watchd's
 * reaction (if any) and after the last of their requests that failed. null: never within the run.
 */
export function failureFigures(e: Evidence): CompareRow['failure'] {
  const w = e.windows[0];
  if (!w) return { own_clients_errors: 0, other_clients_errors: 0, recovered_ms: null };
  const node = w.action.entry.action.node!;
  const mine = ofFailed(e, node);
  const after = e.requests.filter((r) => r.start >= w.start);
  const own = after.filter(mine);
  const others = after.filter((r) => !mine(r));
  const failed = own.filter((r) => r.error !== undefined);
  const from = Math.max(w.reaction?.t ?? w.start, ...failed.map((r) => r.start));
  const again = own.filter((r) => r.server !== undefined && r.start >= from).sort((a, b) => a.start - b.start)[0];
  return {
    own_clients_errors: failed.length,
    other_clients_errors: others.filter((r) => r.error !== undefined).length,
    recovered_ms: again ? Math.round(again.start - w.start) : null,
  };
}

/** Runs the failure scenario; the figures and the judge's verdicts (failover, others' clients without errors). */
export async function runFailure(lab: RunningLab, s: Scenario, step: (t: string) => void): Promise<{ failure: CompareRow['failure']; verdicts: CompareDetail['verdicts'] }> {
  const { evidence } = await runScenarioWithEvidence(lab, s, { onStep: step });
  const node = s.timeline[0]!.action.node!;
  const others = lab.state.topology.servers.map((x) => x.name).filter((n) => n !== node);
  const verdicts = [judge(evidence, { kind: 'accounted' }), judge(evidence, { kind: 'failover', node }), ...(others.length ? [judge(evidence, { kind: 'no-errors', clientsOf: others })] : [])];
  return { failure: failureFigures(evidence), verdicts };
}
