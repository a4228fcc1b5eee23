import { h, s } from './dom';

/**
 * Charts as inline SVG, drawn here: readable at a glance on a phone (few ticks, values written on the bars, big
 * labels), scaled by the viewBox so they fit any width. Each has a text alternative for screen readers.
 */
export interface Point {
  label: string;
  value: number;
}

const W = 360;
const COLORS = { bar: '#0b6e4f', line: '#c2410c', grid: '#d6d3d1', text: '#1c1917', muted: '#57534e' };

function frame(height: number, label: string, ...children: SVGElement[]): SVGElement {
  return s(
    'svg',
    { viewBox: `0 0 ${W} ${height}`, width: '100%', role: 'img', 'aria-label': label, class: 'chart' },
    s('title', {}, label),
    ...children,
  );
}

const text = (x: number, y: number, str: string, attrs: Record<string, string | number> = {}) =>
  s('text', { x, y, 'font-size': 11, fill: COLORS.muted, ...attrs }, str);

/** Shown instead of a chart when there is nothing to draw. */
export function emptyChart(message: string): HTMLElement {
  return h('p', { class: 'chart-empty' }, message);
}

/** A line over time (adoption rate, 0–1) with the last value written large. */
export function lineChart(points: Point[], opts: { label: string; format: (v: number) => string; max?: number }) {
  const H = 170;
  const left = 36;
  const right = 12;
  const top = 16;
  const bottom = 28;
  const max = opts.max ?? Math.max(1e-9, ...points.map((p) => p.value));
  const x = (i: number) => left + (points.length <= 1 ? 0 : (i * (W - left - right)) / (points.length - 1));
  const y = (v: number) => top + (1 - v / max) * (H - top - bottom);
  const grid: SVGElement[] = [0, 0.5, 1].map((f) =>
    s(
      'g',
      {},
      s('line', { x1: left, x2: W - right, y1: y(max * f), y2: y(max * f), stroke: COLORS.grid }),
      text(2, y(max * f) + 4, opts.format(max * f)),
    ),
  );
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const area = `${d} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  const every = Math.max(1, Math.ceil(points.length / 6));
  // Counted from the last point, so the newest day always has its label and none collide.
  const labels = points
    .map((p, i) =>
      (points.length - 1 - i) % every === 0 ? text(x(i), H - 8, p.label, { 'text-anchor': 'middle' }) : null,
    )
    .filter((e): e is SVGElement => e !== null);
  const last = points[points.length - 1];
  return frame(
    H,
    opts.label,
    ...grid,
    s('path', { d: area, fill: COLORS.line, opacity: 0.12 }),
    s('path', { d, fill: 'none', stroke: COLORS.line, 'stroke-width': 3, 'stroke-linejoin': 'round' }),
    ...points.map((p, i) => s('circle', { cx: x(i), cy: y(p.value), r: 3, fill: COLORS.line })),
    ...labels,
    ...(last
      ? [
          text(x(points.length - 1), y(last.value) - 8, opts.format(last.value), {
            'text-anchor': points.length > 1 ? 'end' : 'start',
            'font-size': 14,
            'font-weight': 700,
            fill: COLORS.text,
          }),
        ]
      : []),
  );
}

/** Vertical bars (payments per day), each with its value on top. */
export function barChart(points: Point[], opts: { label: string; format: (v: number) => string }) {
  const H = 180;
  const top = 18;
  const bottom = 26;
  const max = Math.max(1, ...points.map((p) => p.value));
  const slot = (W - 8) / Math.max(1, points.length);
  const bw = Math.max(4, slot * 0.68);
  const every = Math.max(1, Math.ceil(points.length / 7));
  const bars = points.flatMap((p, i) => {
    const bh = (p.value / max) * (H - top - bottom);
    const cx = 4 + slot * i + slot / 2;
    const out: SVGElement[] = [
      s(
        'rect',
        {
          x: cx - bw / 2,
          y: H - bottom - bh,
          width: bw,
          height: Math.max(bh, p.value > 0 ? 1 : 0),
          rx: 2,
          fill: COLORS.bar,
        },
        s('title', {}, `${p.label}: ${opts.format(p.value)}`),
      ),
    ];
    if (points.length <= 10 || i === points.length - 1)
      out.push(text(cx, H - bottom - bh - 4, opts.format(p.value), { 'text-anchor': 'middle', fill: COLORS.text }));
    if ((points.length - 1 - i) % every === 0) out.push(text(cx, H - 8, p.label, { 'text-anchor': 'middle' }));
    return out;
  });
  return frame(
    H,
    opts.label,
    s('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, stroke: COLORS.grid }),
    ...bars,
  );
}

/** Horizontal bars (by zone, by category), largest first, label on the left and value on the bar's end. */
export function hbarChart(items: Point[], opts: { label: string; format: (v: number) => string }) {
  const row = 30;
  const labelW = 124;
  const H = Math.max(row, items.length * row) + 6;
  const max = Math.max(1, ...items.map((p) => p.value));
  const sorted = [...items].sort((a, b) => b.value - a.value);
  const rows = sorted.flatMap((p, i) => {
    const y = 4 + i * row;
    const bw = (p.value / max) * (W - labelW - 70);
    const name = p.label.length > 20 ? `${p.label.slice(0, 19)}…` : p.label;
    return [
      text(0, y + 19, name, { 'font-size': 12, fill: COLORS.text }),
      s('rect', { x: labelW, y: y + 5, width: Math.max(bw, p.value > 0 ? 2 : 0), height: 20, rx: 3, fill: COLORS.bar }),
      text(labelW + bw + 6, y + 19, opts.format(p.value), { 'font-size': 12, 'font-weight': 700, fill: COLORS.text }),
    ];
  });
  return frame(H, opts.label, ...rows);
}

/** 24 columns, one per hour of the day in Vietnam, the busiest highlighted. */
export function hoursChart(values: number[], opts: { label: string; format: (v: number) => string }) {
  const H = 150;
  const top = 20;
  const bottom = 24;
  const max = Math.max(1, ...values);
  const peak = values.indexOf(Math.max(...values));
  const slot = (W - 4) / 24;
  const cols = values.flatMap((v, hour) => {
    const bh = (v / max) * (H - top - bottom);
    const x = 2 + hour * slot;
    const out: SVGElement[] = [
      s(
        'rect',
        {
          x: x + 1,
          y: H - bottom - bh,
          width: slot - 2,
          height: Math.max(bh, v > 0 ? 1 : 0),
          rx: 1.5,
          fill: hour === peak && v > 0 ? COLORS.line : COLORS.bar,
        },
        s('title', {}, `${hour}h: ${opts.format(v)}`),
      ),
    ];
    if (hour % 3 === 0) out.push(text(x + slot / 2, H - 8, `${hour}h`, { 'text-anchor': 'middle', 'font-size': 10 }));
    if (hour === peak && v > 0)
      out.push(
        text(x + slot / 2, H - bottom - bh - 5, opts.format(v), {
          'text-anchor': 'middle',
          fill: COLORS.text,
          'font-weight': 700,
        }),
      );
    return out;
  });
  return frame(
    H,
    opts.label,
    s('line', { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, stroke: COLORS.grid }),
    ...cols,
  );
}
