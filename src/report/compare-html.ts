// `lab compare --html`: one self-contained page, the comparison table and one SVG bar chart per measured figure (no scripts, no fetches).
import type { CompareResult, CompareRow } from '../lab/compare/types.js';
import { COMPARE_COLUMNS } from '../present/compare.js';
import { esc } from './escape.js';
import { REPORT_CSS } from './html.js';
import { colour, fmtNum, fmtTick, niceTicks, num, px } from './svg-format.js';

/** A chart: its data-chart name, title, unit, and the value (null: not measured) of each row. */
export interface CompareChart {
  name: string;
  title: string;
  unit: string;
  value: (r: CompareRow) => number | null;
  decimals: number;
}

export const COMPARE_CHARTS: CompareChart[] = [
  { name: 'throughput', title: 'Saturation throughput (closed loop)', unit: 'req/s', value: (r) => r.throughput_rps, decimals: 0 },
  { name: 'latency-p50', title: 'Steady latency p50 (open loop)', unit: 'ms', value: (r) => r.latency_ms.p50, decimals: 2 },
  { name: 'latency-p99', title: 'Steady latency p99 (open loop)', unit: 'ms', value: (r) => r.latency_ms.p99, decimals: 2 },
  { name: 'added-p50', title: 'Latency added over one server reached directly (p50)', unit: 'ms', value: (r) => r.added_p50_ms, decimals: 2 },
  { name: 'bytes-per-byte', title: "Bytes through the dispatcher's LAN interface per reply byte served", unit: 'B/B', value: (r) => r.dispatcher_bytes_per_byte, decimals: 3 },
  { name: 'state', title: "Dispatcher's state at peak (conntrack entries + TCP sessions)", unit: 'entries', value: (r) => r.dispatcher_state_peak, decimals: 0 },
  { name: 'own-errors', title: "Failure: errors of the failed node's clients", unit: 'requests', value: (r) => r.failure.own_clients_errors, decimals: 0 },
  { name: 'other-errors', title: "Failure: errors of everyone else's clients", unit: 'requests', value: (r) => r.failure.other_clients_errors, decimals: 0 },
  { name: 'recovered', title: 'Failure: time until its clients are all served again', unit: 'ms', value: (r) => r.failure.recovered_ms, decimals: 0 },
];

const WIDTH = 900;
const ROW = 28;
const LEFT = 120;
const RIGHT = 150;
const TOP = 30;
const BOTTOM = 30;

/** One horizontal bar per scheme, a tick axis, the value at each bar's end. */
export function compareChartSvg(rows: CompareRow[], c: CompareChart): string {
  const values = rows.map((r) => c.value(r));
  const max = Math.max(0, ...values.map(num));
  const ticks = niceTicks(max);
  const top = ticks.at(-1)!;
  const plotW = WIDTH - LEFT - RIGHT;
  const height = TOP + rows.length * ROW + BOTTOM;
  const x = (v: number): number => LEFT + (num(v) / top) * plotW;
  const grid = ticks.map((v) => `<line class="grid" x1="${px(x(v))}" y1="${TOP}" x2="${px(x(v))}" y2="${TOP + rows.length * ROW}"/><text class="tick" x="${px(x(v))}" y="${TOP + rows.length * ROW + 16}" text-anchor="middle">${esc(fmtTick(v))}</text>`);
  const bars = rows.map((r, i) => {
    const v = values[i];
    const y = TOP + i * ROW;
    const label = `<text class="label" x="${LEFT - 8}" y="${px(y + ROW / 2 + 4)}" text-anchor="end">${esc(r.scheme)}</text>`;
    if (v === null) return `${label}<text class="value" x="${LEFT + 4}" y="${px(y + ROW / 2 + 4)}">not measured</text>`;
    const w = Math.max(1, x(v) - LEFT);
    return `${label}<rect class="bar" data-scheme="${esc(r.scheme)}" x="${LEFT}" y="${px(y + 4)}" width="${px(w)}" height="${ROW - 8}" fill="${colour(i)}"/><text class="value" x="${px(LEFT + w + 6)}" y="${px(y + ROW / 2 + 4)}">${esc(`${fmtNum(v, c.decimals)} ${c.unit}`)}</text>`;
  });
  return [
    `<svg class="chart" data-chart="${esc(c.name)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(c.title)}">`,
    `<text class="panel-title" x="${LEFT}" y="18">${esc(`${c.title} (${c.unit})`)}</text>`,
    ...grid,
    `<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + rows.length * ROW}"/>`,
    ...bars,
    `</svg>`,
  ].join('');
}

function tableHtml(r: CompareResult): string {
  const head = COMPARE_COLUMNS.map(([h], i) => `<th${i === 0 ? ' class="name"' : ''}>${esc(h)}</th>`).join('');
  const body = r.rows.map((row) => `<tr>${COMPARE_COLUMNS.map(([, cell], i) => `<td${i === 0 ? ' class="name"' : ''}>${esc(cell(row))}</td>`).join('')}</tr>`).join('');
  return `<table class="summary" id="compare"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function detailsHtml(r: CompareResult): string {
  const rows = r.details.map((d) => {
    const verdicts = d.verdicts.map((v) => `<li class="${v.pass ? 'pass' : 'bad'}" data-scheme="${esc(d.scheme)}" data-verdict="${esc(v.name)}" data-pass="${v.pass}">${esc(`${v.pass ? 'pass' : 'FAIL'} ${v.name}: ${v.detail}`)}</li>`).join('');
    return `<h3>${esc(d.scheme)} (lab ${esc(d.lab)}; dispatcher node: ${esc(d.dispatcher ?? 'none')}; the client connected to ${esc(d.peers.join(', ') || 'nothing')})</h3><ul>${verdicts}</ul>`;
  });
  return rows.join('');
}

export function renderCompareHtml(r: CompareResult): string {
  const s = r.settings;
  const title = `oneip-lab compare: ${s.schemes.join(', ')}`;
  const sub = `${s.servers} servers · ${s.durationMs / 1000} s per run · steady ${s.rate} req/s · failure ${s.failure}${s.shape ? ` · dispatcher LAN shaped to ${s.shape}` : ''} · ${s.backend} backend`;
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<h1>${esc(title)}</h1><p class="sub">${esc(sub)}</p>`,
    `<h2>Table</h2><div style="overflow-x:auto">${tableHtml(r)}</div>`,
    `<h2>Charts</h2>${COMPARE_CHARTS.map((c) => compareChartSvg(r.rows, c)).join('\n')}`,
    `<h2>Failure verdicts (scenario judge) and FTP failures</h2>${detailsHtml(r)}`,
    `</body></html>\n`,
  ].join('\n');
}
