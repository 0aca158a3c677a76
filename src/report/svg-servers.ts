// The per-server distribution chart: one bar per server (actual share of requests) with a marker at the model's predicted share.
import type { BenchResult } from './bench-result.js';
import { esc } from './escape.js';
import { clip, colour, fmtInt, fmtPct, fmtTick, naturalSort, niceTicks, num, px } from './svg-format.js';

const WIDTH = 1100;
const ROW = 34;
const TOP = 44;
const BOTTOM = 40;
const VALUE_W = 330;

/** Answers that named no known server are counted under this name. */
const UNKNOWN = 'unknown';

/** Every server named in the result (distribution or timeline), in natural order, "unknown" last. */
export function serverOrder(r: BenchResult): string[] {
  const names = new Set(Object.keys(r.servers ?? {}));
  for (const p of r.timeline ?? []) for (const s of Object.keys(p.servers ?? {})) names.add(s);
  const sorted = naturalSort(names).filter((s) => s !== UNKNOWN);
  return names.has(UNKNOWN) ? [...sorted, UNKNOWN] : sorted;
}

/** A server's colour, the same in both charts: its place in serverOrder, grey for "unknown". */
export function serverColour(order: string[], name: string): string {
  return name === UNKNOWN ? '#9aa5b1' : colour(order.indexOf(name));
}

interface Row {
  name: string;
  colour: string;
  requests: number;
  clients: number;
  share: number;
  predicted: number;
}

function rows(r: BenchResult): Row[] {
  const order = serverOrder(r);
  const listed = order.filter((s) => s in (r.servers ?? {}));
  const total = listed.reduce((a, s) => a + num(r.servers[s]!.requests), 0);
  return listed.map((name) => {
    const s = r.servers[name]!;
    const share = total > 0 ? num(s.requests) / total : 0;
    return { name, colour: serverColour(order, name), requests: num(s.requests), clients: num(s.clients), share, predicted: num(s.predicted_share) };
  });
}

function labelWidth(names: string[]): number {
  const longest = Math.max(4, ...names.map((n) => clip(n, 40).length));
  return Math.min(320, Math.max(90, longest * 7.5 + 20));
}

function axis(x0: number, x1: number, y0: number, y1: number, ticks: number[]): string {
  const top = ticks.at(-1)!;
  return ticks
    .map((v) => {
      const x = x0 + ((x1 - x0) * v) / top;
      return `<line class="grid" x1="${px(x)}" y1="${px(y0)}" x2="${px(x)}" y2="${px(y1)}"/><text class="tick" x="${px(x)}" y="${px(y1 + 16)}" text-anchor="middle">${esc(fmtTick(v * 100))}%</text>`;
    })
    .join('');
}

function bar(row: Row, i: number, x0: number, x1: number, top: number): string {
  const y = TOP + i * ROW;
  const scale = (v: number): number => x0 + ((x1 - x0) * v) / top;
  const mx = scale(row.predicted);
  const value = `${fmtPct(row.share)} · ${fmtInt(row.requests)} req · ${fmtInt(row.clients)} clients · model ${fmtPct(row.predicted)}`;
  return [
    `<g class="server" data-server="${esc(row.name)}">`,
    `<title>${esc(`${row.name}: ${value}`)}</title>`,
    `<text class="label" x="${px(x0 - 10)}" y="${px(y + ROW / 2 + 4)}" text-anchor="end">${esc(clip(row.name, 40))}</text>`,
    `<rect class="bar" data-server="${esc(row.name)}" data-share="${row.share.toFixed(6)}" x="${px(x0)}" y="${px(y + 8)}" width="${px(Math.max(0, scale(row.share) - x0))}" height="${ROW - 16}" fill="${row.colour}"/>`,
    `<line class="predicted" data-server="${esc(row.name)}" data-predicted="${row.predicted.toFixed(6)}" x1="${px(mx)}" y1="${px(y + 3)}" x2="${px(mx)}" y2="${px(y + ROW - 3)}"/>`,
    `<text class="value" x="${px(x1 + 12)}" y="${px(y + ROW / 2 + 4)}">${esc(value)}</text>`,
    `</g>`,
  ].join('');
}

function legend(x0: number): string {
  return (
    `<rect x="${px(x0)}" y="12" width="14" height="12" fill="${colour(0)}"/><text class="legend" x="${px(x0 + 20)}" y="22">actual share of requests</text>` +
    `<line class="predicted" x1="${px(x0 + 207)}" y1="9" x2="${px(x0 + 207)}" y2="27"/><text class="legend" x="${px(x0 + 216)}" y="22">predicted share (model)</text>`
  );
}

/** The distribution chart as inline SVG (no xmlns: it lives inside HTML). */
export function serversSvg(r: BenchResult): string {
  const rs = rows(r);
  const x0 = labelWidth(rs.map((x) => x.name));
  const x1 = WIDTH - VALUE_W;
  const plotH = Math.max(1, rs.length) * ROW;
  const height = TOP + plotH + BOTTOM;
  const ticks = niceTicks(Math.max(0.01, ...rs.map((x) => Math.max(x.share, x.predicted))), 5);
  const body = rs.length ? rs.map((row, i) => bar(row, i, x0, x1, ticks.at(-1)!)).join('') : `<text class="empty" x="${px(x0)}" y="${px(TOP + 22)}">no server answered</text>`;
  return [
    `<svg class="chart" data-chart="servers" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="share of requests per server, actual and predicted">`,
    legend(x0),
    axis(x0, x1, TOP, TOP + plotH, ticks),
    body,
    `<line class="axis" x1="${px(x0)}" y1="${TOP}" x2="${px(x0)}" y2="${px(TOP + plotH)}"/>`,
    `<text class="axis-title" x="${px((x0 + x1) / 2)}" y="${px(height - 4)}" text-anchor="middle">share of requests answered</text>`,
    `</svg>`,
  ].join('');
}
