// Renders a bench result as one self-contained HTML page: inline CSS, server-side SVG charts, no scripts and no fetches.
import type { BenchResult } from './bench-result.js';
import { esc } from './escape.js';
import { fmtInt, fmtNum, fmtPct, naturalSort, num } from './svg-format.js';
import { serversSvg } from './svg-servers.js';
import { timelineSvg } from './svg-timeline.js';

export const REPORT_CSS = `
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h3{font-size:14px;margin:8px 0 4px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d9dee3;padding-bottom:4px}
.sub{color:#52606d;margin:0 0 12px}
table{border-collapse:collapse;margin:4px 0}
th,td{padding:4px 10px;border:1px solid #d9dee3;text-align:right;white-space:nowrap}
th{background:#f3f5f7;font-weight:600}
td.name,th.name{text-align:left}
.bad{color:#c0392b;font-weight:600}
.muted{color:#7b8794}
.tables{display:flex;gap:40px;flex-wrap:wrap;align-items:flex-start}
svg.chart{display:block;max-width:100%;height:auto;font-family:inherit}
svg .tick{font-size:11px;fill:#52606d}
svg .label{font-size:13px;fill:#1f2933}
svg .value,svg .legend,svg .note{font-size:12px;fill:#323f4b}
svg .note{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .axis-title,svg .panel-title{font-size:12px;fill:#52606d}
svg .panel-title{font-weight:600}
svg .empty{font-size:13px;fill:#7b8794}
svg .grid{stroke:#e4e7eb;stroke-width:1}
svg .axis{stroke:#9aa5b1;stroke-width:1}
svg .predicted{stroke:#111;stroke-width:3}
svg .throughput{stroke:#111;stroke-width:1.6;fill:none}
svg .errors{stroke:#d62728;stroke-width:1.6;fill:none}
svg .mean{stroke:#111;stroke-width:1;stroke-dasharray:5 4}
`;

function loopText(r: BenchResult): string {
  if (r.loop?.kind === 'open') return `open loop, ${fmtInt(r.loop.rate)} req/s offered`;
  if (r.loop?.kind === 'closed') return `closed loop, ${fmtInt(r.loop.concurrency)} in flight`;
  return 'unknown loop';
}

function title(r: BenchResult): string {
  return `oneip-lab bench: ${r.lab} (${r.scheme} / ${r.function} on ${r.backend})`;
}

function subtitle(r: BenchResult): string {
  const parts = [`target ${r.target}`, `${r.mode} connections`, loopText(r), `${fmtNum(num(r.duration_s), 1)} s`, `${fmtInt(r.clients_count)} client addresses`];
  return `<p class="sub">${parts.map(esc).join(' · ')}</p>`;
}

function cell(value: string, bad = false): string {
  return `<td${bad ? ' class="bad"' : ''}>${esc(value)}</td>`;
}

function summaryTable(r: BenchResult): string {
  const l = r.latency_ms ?? ({} as BenchResult['latency_ms']);
  const heads = ['sent', 'ok', 'errors', 'mismatches', 'throughput (req/s)', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'p99.9 (ms)', 'max (ms)', 'fairness (Jain)'];
  const cells = [
    cell(fmtInt(r.requests?.sent)),
    cell(fmtInt(r.requests?.ok)),
    cell(fmtInt(r.requests?.errors), num(r.requests?.errors) > 0),
    cell(fmtInt(r.mismatches), num(r.mismatches) > 0),
    cell(fmtNum(r.throughput_rps, 1)),
    ...[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => cell(fmtNum(v, 2))),
    cell(fmtNum(r.fairness, 3)),
  ];
  return `<table class="summary" id="summary"><thead><tr>${heads.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody><tr>${cells.join('')}</tr></tbody></table>`;
}

function deviationNote(r: BenchResult): string {
  const servers = Object.values(r.servers ?? {});
  const total = servers.reduce((a, s) => a + num(s.requests), 0);
  if (!servers.length || total === 0) return '';
  const worst = Math.max(...servers.map((s) => Math.abs(num(s.requests) / total - num(s.predicted_share))));
  return `<p class="muted">Bars: each server's actual share of answered requests; black marker: the share the dispatch model predicts for this client set. Largest gap: ${esc(fmtNum(worst * 100, 2))} percentage points.</p>`;
}

function errorsByKindTable(r: BenchResult): string {
  const entries = naturalSort(Object.keys(r.errors_by_kind ?? {}))
    .map((k) => [k, num(r.errors_by_kind[k])] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  const body = entries.length
    ? entries.map(([k, n]) => `<tr><td class="name">${esc(k)}</td>${cell(fmtInt(n), n > 0)}${cell(total ? fmtPct(n / total) : '–')}</tr>`).join('')
    : `<tr><td class="name muted" colspan="3">no errors</td></tr>`;
  return `<table class="errors-by-kind"><thead><tr><th class="name">kind</th><th>count</th><th>of errors</th></tr></thead><tbody>${body}</tbody></table>`;
}

function errorsByHomeTable(r: BenchResult): string {
  const homes = naturalSort(Object.keys(r.errors_by_home ?? {}));
  const row = (h: string): string => {
    const { ok, errors } = r.errors_by_home[h]!;
    const all = num(ok) + num(errors);
    return `<tr><td class="name">${esc(h)}</td>${cell(fmtInt(ok))}${cell(fmtInt(errors), num(errors) > 0)}${cell(all ? fmtPct(num(errors) / all, 2) : '–', num(errors) > 0)}</tr>`;
  };
  const body = homes.length ? homes.map(row).join('') : `<tr><td class="name muted" colspan="4">no home servers recorded</td></tr>`;
  return `<table class="errors-by-home"><thead><tr><th class="name">home server</th><th>ok</th><th>errors</th><th>error rate</th></tr></thead><tbody>${body}</tbody></table>`;
}

function errorsSection(r: BenchResult): string {
  return [
    `<h2>Errors</h2><div class="tables">`,
    `<div><h3>By kind</h3>${errorsByKindTable(r)}</div>`,
    `<div><h3>By home server</h3>${errorsByHomeTable(r)}<p class="muted">Requests grouped by their client's home server (the one the dispatch model assigns it).</p></div>`,
    `</div>`,
  ].join('');
}

/** The whole report page for one bench result. */
export function renderBenchHtml(result: BenchResult): string {
  const t = title(result);
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(t)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<h1>${esc(t)}</h1>${subtitle(result)}`,
    `<h2>Summary</h2>${summaryTable(result)}`,
    `<h2>Distribution over servers</h2>${serversSvg(result)}${deviationNote(result)}`,
    `<h2>Timeline</h2>${timelineSvg(result)}`,
    errorsSection(result),
    `</body></html>\n`,
  ].join('\n');
}
