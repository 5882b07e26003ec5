import { escape } from '../status/render-status-html';
import { OTHER_SERIES, type ChartPoint } from './analytics-report';

const PALETTE = [
  '#4c78a8',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#72b7b2',
  '#b279a2',
  '#eeca3b',
  '#9d755d',
];
const OTHER_COLOUR = '#9aa0a8';

export interface ChartLabels {
  /** The category axis' title. */
  readonly category: string;
  /** The value axis' title. */
  readonly value: string;
  /** The chart's accessible name. */
  readonly title: string;
  /** A series' name in the legend. */
  readonly series: (name: string) => string;
  /** Show the legend even for one series, when the series says something (a payment type). */
  readonly alwaysLegend?: boolean;
}

/** The series of `points`, the largest total first and the folded ones last, with colours. */
function seriesColours(points: readonly ChartPoint[]): Map<string, string> {
  const totals = new Map<string, number>();
  for (const p of points) totals.set(p.series, (totals.get(p.series) ?? 0) + Number(p.value));
  const names = [...totals]
    .sort(([a, x], [b, y]) => Number(a === OTHER_SERIES) - Number(b === OTHER_SERIES) || y - x)
    .map(([name]) => name);
  return new Map(
    names.map((name, i) => [
      name,
      name === OTHER_SERIES ? OTHER_COLOUR : (PALETTE[i % PALETTE.length] as string),
    ]),
  );
}

/** Round axis ticks from zero to at least `max`: 1, 2 or 5 times a power of ten apart. */
function ticks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const count = Math.ceil(max / step);
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

/** A value as the warehouse wrote it, digits grouped: `1234.50` → `1,234.50`. */
const exact = (text: string) =>
  text.replace(/^(-?\d+)/, (digits) => digits.replace(/\B(?=(\d{3})+$)/g, ','));

const number = (value: number) =>
  value.toLocaleString('en-GB', { maximumFractionDigits: 2, minimumFractionDigits: 0 });

function point(
  shape: string,
  p: ChartPoint,
  colour: string,
  attributes: string,
  labels: ChartLabels,
): string {
  return `<${shape} class="point" data-category="${escape(p.category)}" data-series="${escape(p.series)}" data-value="${escape(p.value)}" fill="${colour}" ${attributes}><title>${escape(p.label)} · ${escape(labels.series(p.series))}: ${escape(exact(p.value))}</title></${shape}>`;
}

function legend(colours: Map<string, string>, labels: ChartLabels, x: number, y: number): string {
  if (colours.size < 2 && !labels.alwaysLegend) return '';
  return `<g class="legend">${[...colours]
    .map(
      ([name, colour], i) =>
        `<g transform="translate(${x},${y + i * 18})"><rect width="12" height="12" fill="${colour}"/><text x="18" y="10" class="label">${escape(labels.series(name))}</text></g>`,
    )
    .join('')}</g>`;
}

/**
 * A line per series over `axis` (every category in order, with or without points): a series
 * without a point at a category has a gap there, never a line across it. Points carry their exact
 * value in `data-value`, so what is drawn can be checked against the view.
 */
export function lineChart(
  points: readonly ChartPoint[],
  axis: readonly string[],
  labels: ChartLabels,
): string {
  const colours = seriesColours(points);
  const scale = ticks(Math.max(...points.map((p) => Number(p.value)), 0));
  const top = scale[scale.length - 1] as number;
  const [left, plotWidth, plotTop, plotHeight] = [78, 620, 14, 250];
  const x = (category: string) =>
    left +
    (axis.length < 2 ? plotWidth / 2 : (axis.indexOf(category) / (axis.length - 1)) * plotWidth);
  const y = (value: number) => plotTop + plotHeight - (value / top) * plotHeight;
  const every = Math.max(1, Math.ceil(axis.length / 12));
  const xAxis = `<g class="axis x-axis"><line x1="${left}" y1="${plotTop + plotHeight}" x2="${left + plotWidth}" y2="${plotTop + plotHeight}" stroke="#6b7280"/>${axis
    .map((c, i) =>
      i % every === 0
        ? `<text class="tick" x="${x(c).toFixed(1)}" y="${plotTop + plotHeight + 16}" text-anchor="middle">${escape(c.slice(0, 7))}</text>`
        : '',
    )
    .join(
      '',
    )}<text class="axis-title" x="${left + plotWidth / 2}" y="${plotTop + plotHeight + 38}" text-anchor="middle">${escape(labels.category)}</text></g>`;
  const yAxis = valueAxisVertical(scale, left, y, plotTop, plotHeight, plotWidth, labels.value);
  const lines = [...colours]
    .map(([series, colour]) => {
      const own = new Map(points.filter((p) => p.series === series).map((p) => [p.category, p]));
      const at = (p: ChartPoint) => `${x(p.category).toFixed(1)},${y(Number(p.value)).toFixed(1)}`;
      // Runs of neighbouring categories that all have a point: one polyline each.
      const runs: ChartPoint[][] = [];
      let run: ChartPoint[] = [];
      for (const category of axis) {
        const p = own.get(category);
        if (p) {
          run.push(p);
        } else if (run.length > 0) {
          runs.push(run);
          run = [];
        }
      }
      if (run.length > 0) runs.push(run);
      const polylines = runs
        .filter((r) => r.length > 1)
        .map(
          (r) =>
            `<polyline points="${r.map(at).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
        )
        .join('');
      return `<g class="series" data-series="${escape(series)}">${polylines}${[...own.values()]
        .map((p) =>
          point(
            'circle',
            p,
            colour,
            `cx="${x(p.category).toFixed(1)}" cy="${y(Number(p.value)).toFixed(1)}" r="3.5"`,
            labels,
          ),
        )
        .join('')}</g>`;
    })
    .join('');
  const width = left + plotWidth + 200;
  const height = Math.max(plotTop + plotHeight + 48, colours.size * 18 + 20);
  return `<svg class="chart-svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(labels.title)}">${yAxis}${xAxis}${lines}${legend(colours, labels, left + plotWidth + 24, plotTop)}</svg>`;
}

function valueAxisVertical(
  scale: readonly number[],
  left: number,
  y: (value: number) => number,
  plotTop: number,
  plotHeight: number,
  plotWidth: number,
  title: string,
): string {
  return `<g class="axis y-axis"><line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotHeight}" stroke="#6b7280"/>${scale
    .map(
      (t) =>
        `<line x1="${left}" y1="${y(t).toFixed(1)}" x2="${left + plotWidth}" y2="${y(t).toFixed(1)}" stroke="#eaeef2"/><text class="tick" x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escape(number(t))}</text>`,
    )
    .join(
      '',
    )}<text class="axis-title" transform="translate(14,${plotTop + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(title)}</text></g>`;
}

/**
 * Horizontal bars, one group per category (largest first), a bar per series in it. Each bar
 * carries its exact value in `data-value` and shows it at its end.
 */
export function barChart(points: readonly ChartPoint[], labels: ChartLabels): string {
  const colours = seriesColours(points);
  const totals = new Map<string, number>();
  for (const p of points) totals.set(p.category, (totals.get(p.category) ?? 0) + Number(p.value));
  const categories = [...totals]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
  const scale = ticks(Math.max(...points.map((p) => Number(p.value)), 0));
  const top = scale[scale.length - 1] as number;
  const names = new Map(points.map((p) => [p.category, p.label]));
  const longest = Math.max(...[...names.values()].map((name) => Math.min(name.length, 30)));
  // As wide as the labels need; one group of bars (a small multiple) gets a narrower plot.
  const left = Math.min(200, Math.max(60, Math.round(longest * 6.5) + 16));
  const plotWidth = categories.length > 1 ? 480 : 320;
  const [plotTop, bar] = [22, 14];
  const band = bar * colours.size + 10;
  const plotHeight = categories.length * band;
  const x = (value: number) => left + (Math.max(0, value) / top) * plotWidth;
  const bars = categories
    .map((category, i) => {
      const y0 = plotTop + i * band + 5;
      const own = [...colours].map(([series, colour], j) => {
        const p = points.find((q) => q.category === category && q.series === series);
        if (!p) return '';
        const y = y0 + j * bar;
        const end = x(Number(p.value));
        return `${point('rect', p, colour, `x="${left}" y="${y}" width="${(end - left).toFixed(1)}" height="${bar - 2}"`, labels)}<text class="value" x="${(end + 4).toFixed(1)}" y="${y + bar - 4}">${escape(exact(p.value))}</text>`;
      });
      return own.join('');
    })
    .join('');
  const axisY = plotTop + plotHeight;
  const categoryTicks = categories
    .map((category, i) => {
      const name = names.get(category) ?? category;
      const label = name.length > 30 ? `${name.slice(0, 29)}…` : name;
      return `<text class="tick" x="${left - 6}" y="${plotTop + i * band + 5 + (band - 10) / 2 + 4}" text-anchor="end">${escape(label)}</text>`;
    })
    .join('');
  const yAxis = `<g class="axis y-axis"><line x1="${left}" y1="${plotTop}" x2="${left}" y2="${axisY}" stroke="#6b7280"/>${categoryTicks}<text class="axis-title" x="4" y="${plotTop - 8}">${escape(labels.category)}</text></g>`;
  const xAxis = `<g class="axis x-axis"><line x1="${left}" y1="${axisY}" x2="${left + plotWidth}" y2="${axisY}" stroke="#6b7280"/>${scale
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" y1="${plotTop}" x2="${x(t).toFixed(1)}" y2="${axisY}" stroke="#eaeef2"/><text class="tick" x="${x(t).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${escape(number(t))}</text>`,
    )
    .join(
      '',
    )}<text class="axis-title" x="${left + plotWidth / 2}" y="${axisY + 38}" text-anchor="middle">${escape(labels.value)}</text></g>`;
  const legendWidth = Math.max(...[...colours.keys()].map((name) => labels.series(name).length));
  const width = left + plotWidth + 90 + Math.max(60, legendWidth * 6.5 + 24);
  const height = Math.max(axisY + 48, colours.size * 18 + 20);
  return `<svg class="chart-svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(labels.title)}">${xAxis}${yAxis}${bars}${legend(colours, labels, left + plotWidth + 70, plotTop)}</svg>`;
}
