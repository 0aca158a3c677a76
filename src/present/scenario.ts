// The report of a failure scenario: per-server answers in each phase, failovers and verdicts (`lab run`, `lab demo`).
import type { ScenarioReport } from '../scenario/run.js';
import { table } from './output.js';

const pct = (n: number, of: number): string => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)}%`);

/** Per-server answers in each phase, with each server's share of the phase: the table before, during and after. */
export function phaseTable(r: Pick<ScenarioReport, 'phases'>): string {
  const servers = [...new Set(r.phases.flatMap((p) => Object.keys(p.servers)))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ok = (p: ScenarioReport['phases'][number]): number => Object.values(p.servers).reduce((a, b) => a + b, 0);
  const head = ['', ...r.phases.map((p) => `${p.name} (${p.from_s.toFixed(1)}-${p.to_s.toFixed(1)} s)`)];
  const rows = servers.map((s) => [s, ...r.phases.map((p) => `${p.servers[s] ?? 0} ${pct(p.servers[s] ?? 0, ok(p))}`)]);
  rows.push(['errors', ...r.phases.map((p) => `${p.errors} of ${p.sent}`)]);
  return table(head, rows);
}

export function printScenario(r: ScenarioReport): void {
  console.log(`scenario ${r.file}${r.description ? `: ${r.description}` : ''}`);
  console.log(`lab "${r.lab}": ${r.scheme} scheme, ${r.function} function, ${r.backend} backend`);
  console.log(`requests: ${r.requests.sent} sent = ${r.requests.ok} ok + ${r.requests.errors} errors; ${r.throughput_rps.toFixed(0)} req/s`);
  const kinds = Object.entries(r.errors_by_kind).filter(([, n]) => n > 0);
  if (kinds.length) console.log(`errors: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log('answers per server in each phase (requests by their start):');
  console.log(phaseTable(r));
  for (const f of r.failovers) console.log(`failover: ${f.action} at +${f.at_s.toFixed(2)} s -> watchd took it out after ${f.ms} ms`);
  console.log(`requests broken by changes back: ${r.broken_by_change_back}`);
  for (const c of r.changes) console.log(`change: ${c.what}; ${c.moved_clients} client addresses moved`);
  if (r.connections) console.log(`connections: ${r.connections.opened} opened, ${r.connections.completed} completed, ${r.connections.broken} broken, ${r.connections.switched_server} answered by more than one server`);
  for (const a of r.assertions) console.log(`${a.pass ? 'PASS' : 'FAIL'}  ${a.name}: ${a.detail}`);
  const passed = r.assertions.filter((a) => a.pass).length;
  console.log(`${r.passed ? 'passed' : 'FAILED'}: ${passed} of ${r.assertions.length} assertions`);
}
