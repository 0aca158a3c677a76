// Labelled vertical markers over a timeline chart: a scenario's actions (solid) and watchd's reactions (dashed), at their moment.
import { esc } from './escape.js';
import { clip, px } from './svg-format.js';

export interface TimelineMarker {
  /** ms from the chart's zero (the load's start) */
  t_ms: number;
  kind: 'action' | 'watchd';
  label: string;
}

export interface MarkerFrame {
  left: number;
  right: number;
  /** the span the lines cover: the top of the upper panel to the bottom of the lower one */
  top: number;
  bottom: number;
  domainMs: number;
}

const STYLE = { action: { stroke: '#111', dash: '' }, watchd: { stroke: '#8e44ad', dash: ' stroke-dasharray="4 3"' } } as const;

/** Markers close together take turns on four label rows, so their labels do not overlap. */
function rows(xs: number[]): number[] {
  const lastX = [-Infinity, -Infinity, -Infinity, -Infinity];
  return xs.map((x) => {
    const free = lastX.findIndex((l) => x - l > 120);
    const row = free === -1 ? lastX.indexOf(Math.min(...lastX)) : free;
    lastX[row] = x;
    return row;
  });
}

/** The markers as SVG, one group each: data-kind and data-label name them (tests read them back from the DOM). */
export function markersSvg(markers: TimelineMarker[], f: MarkerFrame): string {
  const inside = markers.filter((m) => m.t_ms >= 0 && m.t_ms <= f.domainMs).sort((a, b) => a.t_ms - b.t_ms);
  const xs = inside.map((m) => f.left + (m.t_ms / f.domainMs) * (f.right - f.left));
  const row = rows(xs);
  return inside
    .map((m, i) => {
      const s = STYLE[m.kind];
      const y = f.top + 14 + row[i]! * 14;
      const text = `${(m.t_ms / 1000).toFixed(2)} s ${m.label}`;
      return (
        `<g class="marker" data-kind="${m.kind}" data-label="${esc(m.label)}" data-t-ms="${Math.round(m.t_ms)}"><title>${esc(`${m.kind === 'action' ? 'action' : 'watchd'}: ${text}`)}</title>` +
        `<line x1="${px(xs[i]!)}" y1="${px(f.top)}" x2="${px(xs[i]!)}" y2="${px(f.bottom)}" stroke="${s.stroke}" stroke-width="1.5"${s.dash}/>` +
        `<text class="note" x="${px(xs[i]! + 4)}" y="${px(y)}" style="fill:${s.stroke}">${esc(clip(m.label, 32))}</text></g>`
      );
    })
    .join('');
}
