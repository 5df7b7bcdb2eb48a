/**
 * A time-series chart as inline SVG: lines or bars over a date axis, with optional point markers.
 * Inline, so the page needs nothing from outside (no script, no font, no image); coordinates are
 * printed to one decimal so the bytes do not depend on floating noise beyond what a pixel shows.
 */
import { esc, money } from './html.js';

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly kind: 'line' | 'bars';
  readonly values: readonly number[];
  /** CSS class of the series' element (tests find it by this). */
  readonly cls: string;
}

export interface ChartMarker {
  /** Index into the dates. */
  readonly index: number;
  readonly value: number;
  /** Tooltip text. */
  readonly title: string;
}

export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly dates: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly markers?: readonly ChartMarker[];
  readonly markerCls?: string;
  readonly markerColor?: string;
  readonly width?: number;
  readonly height?: number;
}

const PAD = { left: 86, right: 16, top: 30, bottom: 40 } as const;
const f1 = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

export function svgChart(spec: ChartSpec): string {
  const width = spec.width ?? 960, height = spec.height ?? 300;
  const n = spec.dates.length;
  const all = spec.series.flatMap((s) => s.values).concat(spec.markers?.map((m) => m.value) ?? [], [0]);
  let lo = Math.min(...all), hi = Math.max(...all);
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const ticks = niceTicks(lo, hi);
  lo = Math.min(lo, ticks[0] as number);
  hi = Math.max(hi, ticks[ticks.length - 1] as number);
  const plotW = width - PAD.left - PAD.right, plotH = height - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number): number => PAD.top + ((hi - v) * plotH) / (hi - lo);
  const parts: string[] = [];
  parts.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="#fff" stroke="#d0d7de"/>`);
  for (const t of ticks) {
    parts.push(`<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${f1(y(t))}" y2="${f1(y(t))}" stroke="${t === 0 ? '#8c959f' : '#eaeef2'}"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${f1(y(t) + 4)}" text-anchor="end">${esc(money(t, 0))}</text>`);
  }
  const labelAt = n <= 1 ? [0] : [0, Math.floor((n - 1) / 4), Math.floor((n - 1) / 2), Math.floor((3 * (n - 1)) / 4), n - 1];
  for (const i of [...new Set(labelAt)]) {
    if (i >= n) continue;
    // The end labels align to their edge of the plot so they are not cut by the frame.
    const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
    parts.push(`<text x="${f1(x(i))}" y="${height - PAD.bottom + 16}" text-anchor="${anchor}">${esc(spec.dates[i] as string)}</text>`);
  }
  const barW = Math.max(1, (plotW / Math.max(n, 1)) * 0.7);
  for (const s of spec.series) {
    if (s.kind === 'bars') {
      const bars = s.values.map((v, i) => {
        const top = Math.min(y(v), y(0)), h = Math.abs(y(v) - y(0));
        return `<rect x="${f1(x(i) - barW / 2)}" y="${f1(top)}" width="${f1(barW)}" height="${f1(Math.max(h, 0.5))}"/>`;
      });
      parts.push(`<g class="${esc(s.cls)}" fill="${esc(s.color)}" fill-opacity="0.75"><title>${esc(s.name)}</title>${bars.join('')}</g>`);
    } else {
      const d = s.values.map((v, i) => `${i === 0 ? 'M' : 'L'}${f1(x(i))},${f1(y(v))}`).join('');
      parts.push(`<path class="${esc(s.cls)}" d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="1.6"><title>${esc(s.name)}</title></path>`);
    }
  }
  for (const m of spec.markers ?? []) {
    parts.push(`<circle class="${esc(spec.markerCls ?? 'marker')}" cx="${f1(x(m.index))}" cy="${f1(y(m.value))}" r="4.5" fill="none" stroke="${esc(spec.markerColor ?? '#cf222e')}" stroke-width="2"><title>${esc(m.title)}</title></circle>`);
  }
  // Legend, top left.
  let lx = PAD.left;
  const legend: string[] = [];
  const items = spec.series.map((s) => ({ name: s.name, color: s.color }));
  if (spec.markers) items.push({ name: `${spec.markers.length} exception${spec.markers.length === 1 ? '' : 's'}`, color: spec.markerColor ?? '#cf222e' });
  for (const it of items) {
    legend.push(`<rect x="${lx}" y="10" width="12" height="12" fill="${esc(it.color)}"/><text x="${lx + 16}" y="20">${esc(it.name)}</text>`);
    lx += 28 + it.name.length * 6.5;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(spec.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(spec.title)}"><title>${esc(spec.title)}</title>${legend.join('')}${parts.join('')}</svg>`;
}
