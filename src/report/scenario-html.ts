// Renders a scenario's report (`lab run FILE --html`) as one self-contained page: the timeline with its action and watchd markers, the phase table, the verdicts.
import type { ScenarioReport } from '../scenario/run.js';
import type { BenchResult } from './bench-result.js';
import { esc } from './escape.js';
import { REPORT_CSS } from './html.js';
import { fmtInt, fmtNum, fmtPct, naturalSort } from './svg-format.js';
import { timelineSvg } from './svg-timeline.js';

const EXTRA_CSS = `
.pass{color:#1e7e34;font-weight:600}
.fail{color:#c0392b;font-weight:600}
ul.verdicts{list-style:none;padding:0;margin:4px 0}
ul.verdicts li{margin:3px 0}
`;

/** What the timeline chart needs of a bench result, from the scenario's report. */
function asBench(r: ScenarioReport): BenchResult {
  return {
    lab: r.lab,
    scheme: r.scheme,
    function: r.function,
    backend: r.backend,
    target: '',
    mode: 'close',
    loop: { kind: 'open', rate: 0 },
    duration_s: 0,
    clients_count: 0,
    requests: r.requests,
    errors_by_kind: r.errors_by_kind,
    mismatches: 0,
    throughput_rps: r.throughput_rps,
    latency_ms: { p50: 0, p90: 0, p99: 0, p999: 0, max: 0 },
    servers: {},
    fairness: 1,
    errors_by_home: {},
    timeline: r.timeline,
    start_epoch_ms: r.start_epoch_ms,
  };
}

function phaseTable(r: ScenarioReport): string {
  const servers = naturalSort(new Set(r.phases.flatMap((p) => Object.keys(p.servers))));
  const ok = (p: ScenarioReport['phases'][number]): number => Object.values(p.servers).reduce((a, b) => a + b, 0);
  const head = `<tr><th class="name"></th>${r.phases.map((p) => `<th>${esc(`${p.name} (${p.from_s.toFixed(1)}-${p.to_s.toFixed(1)} s)`)}</th>`).join('')}</tr>`;
  const rows = servers.map((s) => `<tr><td class="name">${esc(s)}</td>${r.phases.map((p) => `<td>${esc(`${fmtInt(p.servers[s] ?? 0)} · ${ok(p) ? fmtPct((p.servers[s] ?? 0) / ok(p)) : '–'}`)}</td>`).join('')}</tr>`);
  const errors = `<tr><td class="name">errors</td>${r.phases.map((p) => `<td${p.errors > 0 ? ' class="bad"' : ''}>${esc(`${fmtInt(p.errors)} of ${fmtInt(p.sent)}`)}</td>`).join('')}</tr>`;
  return `<table class="phases" id="phases"><thead>${head}</thead><tbody>${rows.join('')}${errors}</tbody></table>`;
}

function verdicts(r: ScenarioReport): string {
  const items = r.assertions.map((a) => `<li class="verdict" data-pass="${a.pass}"><span class="${a.pass ? 'pass' : 'fail'}">${a.pass ? 'PASS' : 'FAIL'}</span> <b>${esc(a.name)}</b>: ${esc(a.detail)}</li>`);
  const passed = r.assertions.filter((a) => a.pass).length;
  return `<p class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'passed' : 'FAILED'}: ${passed} of ${r.assertions.length} assertions</p><ul class="verdicts">${items.join('')}</ul>`;
}

function facts(r: ScenarioReport): string {
  const lines = [
    `requests: ${fmtInt(r.requests.sent)} sent = ${fmtInt(r.requests.ok)} ok + ${fmtInt(r.requests.errors)} errors; ${fmtNum(r.throughput_rps, 0)} req/s`,
    ...r.failovers.map((f) => `failover: ${f.action} at +${f.at_s.toFixed(2)} s -> watchd reacted after ${f.ms} ms`),
    `requests broken by changes back: ${fmtInt(r.broken_by_change_back)}`,
  ];
  return lines.map((l) => `<p>${esc(l)}</p>`).join('');
}

/** The whole page; no scripts, no fetches. */
export function renderScenarioHtml(r: ScenarioReport): string {
  const title = `oneip-lab scenario: ${r.file}`;
  const sub = [`lab ${r.lab}`, `${r.scheme} scheme`, `${r.function} function`, `${r.backend} backend`, r.description].filter(Boolean);
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(title)}</title><style>${REPORT_CSS}${EXTRA_CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1><p class="sub">${sub.map(esc).join(' · ')}</p>`,
    `<h2>Verdicts</h2>${verdicts(r)}`,
    `<h2>Timeline</h2><p class="muted">Answers per server and errors in each 100 ms bucket (requests by their end); solid lines: the timeline's actions; dashed: watchd's findings and reactions.</p>`,
    timelineSvg(asBench(r), { markers: r.marks, perBucket: true }),
    `<h2>Phases</h2><p class="muted">Answers per server in each phase (requests by their start).</p>${phaseTable(r)}`,
    facts(r),
    `</body></html>\n`,
  ].join('\n');
}
