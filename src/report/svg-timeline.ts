// The timeline chart: answers per second stacked by server with the total ok line on top, and errors per second below.
import type { BenchResult, BenchTimelinePoint } from './bench-result.js';
import { esc } from './escape.js';
import { clip, fmtInt, fmtTick, niceTicks, num, px } from './svg-format.js';
import { serverColour, serverOrder } from './svg-servers.js';
import { markersSvg, type TimelineMarker } from './svg-markers.js';

/** What a caller adds: labelled vertical markers (a scenario's actions and watchd's reactions), counts per bucket instead of per second. */
export interface TimelineOptions {
  markers?: TimelineMarker[];
  perBucket?: boolean;
}

const WIDTH = 1100;
const LEFT = 70;
const RIGHT = 200;
const MAIN = { top: 40, height: 300 };
const ERR = { top: 400, height: 100 };
const HEIGHT = ERR.top + ERR.height + 44;
const LEGEND_MAX = 18;

interface Frame {
  points: BenchTimelinePoint[];
  stepMs: number;
  perSecond: number;
  domainS: number;
  x: (tMs: number) => number;
}

/** The bucket width: the smallest gap between successive points, 100 ms when there is none. */
function stepOf(points: BenchTimelinePoint[]): number {
  let step = Infinity;
  for (let i = 1; i < points.length; i++) {
    const d = num(points[i]!.t_ms) - num(points[i - 1]!.t_ms);
    if (d > 0) step = Math.min(step, d);
  }
  return Number.isFinite(step) ? step : 100;
}

function frame(r: BenchResult, perBucket = false): Frame {
  const points = [...(r.timeline ?? [])].sort((a, b) => num(a.t_ms) - num(b.t_ms));
  const stepMs = stepOf(points);
  const domainMs = Math.max(stepMs, num(points.at(-1)?.t_ms) + stepMs);
  const plotW = WIDTH - LEFT - RIGHT;
  return { points, stepMs, perSecond: perBucket ? 1 : 1000 / stepMs, domainS: domainMs / 1000, x: (t) => LEFT + ((t + stepMs / 2) / domainMs) * plotW };
}

type Scale = (v: number) => number;

/** The unit of the panels: "per second", or "per 100 ms" when counting per bucket. */
function unit(f: Frame): string {
  return f.perSecond === 1 && f.stepMs !== 1000 ? `per ${fmtInt(f.stepMs)} ms` : 'per second';
}

function yScale(panel: { top: number; height: number }, top: number): Scale {
  return (v) => panel.top + panel.height - (panel.height * v) / top;
}

function line(xs: number[], ys: number[]): string {
  return xs.map((x, i) => `${i ? 'L' : 'M'}${px(x)},${px(ys[i]!)}`).join('');
}

function yAxis(panel: { top: number; height: number }, ticks: number[], title: string): string {
  const y = yScale(panel, ticks.at(-1)!);
  const grid = ticks.map((v) => `<line class="grid" x1="${LEFT}" y1="${px(y(v))}" x2="${WIDTH - RIGHT}" y2="${px(y(v))}"/><text class="tick" x="${LEFT - 8}" y="${px(y(v) + 4)}" text-anchor="end">${esc(fmtTick(v))}</text>`);
  const mid = panel.top + panel.height / 2;
  return grid.join('') + `<text class="axis-title" transform="translate(16,${px(mid)}) rotate(-90)" text-anchor="middle">${esc(title)}</text>`;
}

function xAxis(f: Frame, panel: { top: number; height: number }, withTitle: boolean): string {
  const plotW = WIDTH - LEFT - RIGHT;
  const bottom = panel.top + panel.height;
  const ticks = niceTicks(f.domainS, 10).filter((v) => v <= f.domainS + 1e-9);
  const marks = ticks.map((v) => {
    const x = LEFT + (v / f.domainS) * plotW;
    return `<line class="axis" x1="${px(x)}" y1="${bottom}" x2="${px(x)}" y2="${bottom + 5}"/><text class="tick" x="${px(x)}" y="${bottom + 18}" text-anchor="middle">${esc(fmtTick(v))}</text>`;
  });
  const title = withTitle ? `<text class="axis-title" x="${px(LEFT + plotW / 2)}" y="${bottom + 36}" text-anchor="middle">time since start (s)</text>` : '';
  return `<line class="axis" x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}"/>` + marks.join('') + title;
}

/** One filled band per server, stacked in server order. */
function stackedAreas(f: Frame, servers: string[], order: string[], y: Scale): string {
  const xs = f.points.map((p) => f.x(num(p.t_ms)));
  const base = f.points.map(() => 0);
  return servers
    .map((s) => {
      const lower = [...base];
      f.points.forEach((p, i) => (base[i]! += num(p.servers?.[s]) * f.perSecond));
      const d = line(xs, base.map(y)) + line([...xs].reverse(), lower.map(y).reverse()).replace(/^M/, 'L') + 'Z';
      return `<path class="area" data-server="${esc(s)}" d="${d}" fill="${serverColour(order, s)}" fill-opacity="0.75"/>`;
    })
    .join('');
}

function mainPanel(f: Frame, r: BenchResult, order: string[]): string {
  const ok = f.points.map((p) => num(p.ok) * f.perSecond);
  const stackTop = f.points.map((p) => Object.values(p.servers ?? {}).reduce((a, v) => a + num(v), 0) * f.perSecond);
  // the mean in the panel's unit (per second, or per bucket)
  const meanValue = (num(r.throughput_rps) * f.perSecond * f.stepMs) / 1000;
  const ticks = niceTicks(Math.max(1, ...ok, ...stackTop, meanValue), 6);
  const y = yScale(MAIN, ticks.at(-1)!);
  const xs = f.points.map((p) => f.x(num(p.t_ms)));
  const mean = y(meanValue);
  return [
    yAxis(MAIN, ticks, `answers ${unit(f)}`),
    stackedAreas(f, order, order, y),
    `<path class="throughput" d="${line(xs, ok.map(y))}" fill="none"/>`,
    `<line class="mean" x1="${LEFT}" y1="${px(mean)}" x2="${WIDTH - RIGHT}" y2="${px(mean)}"/>`,
    `<text class="note" x="${WIDTH - RIGHT - 4}" y="${px(mean - 5)}" text-anchor="end">mean ${esc(fmtInt(r.throughput_rps))} req/s</text>`,
    xAxis(f, MAIN, false),
  ].join('');
}

function errorPanel(f: Frame): string {
  const errs = f.points.map((p) => num(p.errors) * f.perSecond);
  const ticks = niceTicks(Math.max(1, ...errs), 3);
  const y = yScale(ERR, ticks.at(-1)!);
  const xs = f.points.map((p) => f.x(num(p.t_ms)));
  const none = errs.every((e) => e === 0) ? `<text class="note" x="${LEFT + 10}" y="${ERR.top + 20}">no errors</text>` : '';
  return [yAxis(ERR, ticks, f.perSecond === 1 && f.stepMs !== 1000 ? `errors ${unit(f)}` : 'errors/s'), `<path class="errors" d="${line(xs, errs.map(y))}" fill="none"/>`, none, xAxis(f, ERR, true)].join('');
}

function legendRow(i: number, swatch: string, label: string): string {
  const y = MAIN.top + 6 + i * 18;
  return `<g transform="translate(${WIDTH - RIGHT + 16},${y})">${swatch}<text class="legend" x="22" y="10">${esc(clip(label, 24))}</text></g>`;
}

function legend(order: string[]): string {
  const rows = [legendRow(0, `<line class="throughput" x1="0" y1="6" x2="16" y2="6"/>`, 'ok (all servers)')];
  order.slice(0, LEGEND_MAX).forEach((s, i) => rows.push(legendRow(i + 1, `<rect width="16" height="12" fill="${serverColour(order, s)}"/>`, s)));
  if (order.length > LEGEND_MAX) rows.push(legendRow(LEGEND_MAX + 1, '', `+${order.length - LEGEND_MAX} more servers`));
  const errRow = `<g transform="translate(${WIDTH - RIGHT + 16},${ERR.top + 6})"><line class="errors" x1="0" y1="6" x2="16" y2="6"/><text class="legend" x="22" y="10">errors</text></g>`;
  return rows.join('') + errRow;
}

/** The timeline chart as inline SVG: rates are per second, computed from the result's buckets (100 ms each). */
export function timelineSvg(r: BenchResult, o: TimelineOptions = {}): string {
  const f = frame(r, o.perBucket);
  const per = o.perBucket ? `per ${fmtInt(f.stepMs)} ms` : 'per second';
  const order = serverOrder(r);
  const head = `<svg class="chart" data-chart="timeline" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="answers and errors per second over time, by server">`;
  const titles =
    `<text class="panel-title" x="${LEFT}" y="${MAIN.top - 14}">answers ${per}, stacked by server (buckets of ${esc(fmtInt(f.stepMs))} ms)</text>` +
    `<text class="panel-title" x="${LEFT}" y="${ERR.top - 14}">errors ${per}</text>`;
  if (!f.points.length) return `${head}${titles}<text class="empty" x="${LEFT + 10}" y="${MAIN.top + 30}">no timeline recorded</text></svg>`;
  const marks = o.markers?.length ? markersSvg(o.markers, { left: LEFT, right: WIDTH - RIGHT, top: MAIN.top, bottom: ERR.top + ERR.height, domainMs: f.domainS * 1000 }) : '';
  return `${head}${titles}${mainPanel(f, r, order)}${errorPanel(f)}${legend(order)}${marks}</svg>`;
}
