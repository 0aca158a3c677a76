// Number formatting, nice axis ticks, colours and ordering shared by the report's SVG charts and tables.

/** A finite number or 0 (NaN, ±Infinity, null and undefined become 0). */
export function num(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}

/** A coordinate with at most one decimal, for compact SVG. */
export function px(x: number): string {
  return String(Math.round(num(x) * 10) / 10);
}

/** An integer with thousands separators. */
export function fmtInt(x: unknown): string {
  return Math.round(num(x)).toLocaleString('en-US');
}

/** A number with a fixed count of decimals and thousands separators; "–" when not a finite number. */
export function fmtNum(x: unknown, decimals: number): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A 0..1 fraction as a percentage. */
export function fmtPct(x: unknown, decimals = 1): string {
  return `${fmtNum(num(x) * 100, decimals)}%`;
}

/** About `count` round tick values from 0 up to at least `max` (the last tick is the axis end). */
export function niceTicks(max: number, count = 5): number[] {
  const top = num(max) > 0 ? num(max) : 1;
  const raw = top / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const intervals = (m: number): number => Math.abs(Math.ceil(top / (m * mag) - 1e-9) - count);
  const step = [10, 5, 2.5, 2, 1].reduce((best, m) => (intervals(m) < intervals(best) ? m : best)) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < top + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < top) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** A short tick label: 1200 → "1.2k", 0.25 → "0.25". */
export function fmtTick(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (Math.abs(v) >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#86bcb6', '#8cd17d', '#d4a6c8', '#bab0ac'];

/** The colour of the i-th server: a 12-colour palette, then hues spread by the golden angle. */
export function colour(i: number): string {
  return PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)},55%,55%)`;
}

/** Names in natural order (s2 before s10). */
export function naturalSort(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** A label cut to `max` characters with an ellipsis. */
export function clip(label: string, max: number): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}
