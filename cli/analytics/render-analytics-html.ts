import type { AnalystView, QuickSightColumnType } from '../../contract/analyst-views';
import { escape } from '../status/render-status-html';
import type { AnalyticsReport, ChartPanel, ViewReport } from './analytics-report';
import { barChart, lineChart } from './svg-charts';

/** A column's name as an axis or table heading: `outstanding_amount` → `Outstanding amount`. */
export function columnLabel(column: string): string {
  const words = column.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const NUMERIC: readonly QuickSightColumnType[] = ['INTEGER', 'DECIMAL'];

function panelTitle(view: AnalystView, panel: ChartPanel): string {
  return `${view.title} (${panel.currency})`;
}

/** Every first of a month from the first category to the last: `2024-01-01` … `2024-06-01`. */
export function monthAxis(categories: readonly string[]): string[] {
  const sorted = [...categories].sort();
  const [first, last] = [sorted[0], sorted[sorted.length - 1]];
  if (first === undefined || last === undefined) return [];
  const [year, month] = first.split('-').map(Number) as [number, number];
  const months: string[] = [];
  for (let i = 0; (months[months.length - 1] ?? '') < last; i += 1) {
    months.push(new Date(Date.UTC(year, month - 1 + i, 1)).toISOString().slice(0, 10));
  }
  return months;
}

function chartLabels(view: AnalystView, panel: ChartPanel) {
  const { chart: spec } = view;
  const values = spec.values.map(columnLabel).join(' and ');
  return {
    title: panelTitle(view, panel),
    category: columnLabel(spec.label ?? spec.category[0] ?? ''),
    value: `${values} (${panel.currency})`,
    // Without a series column the series are the value columns: name them as headings are.
    series: spec.series ? (name: string) => spec.seriesLabels?.[name] ?? name : columnLabel,
    alwaysLegend: spec.series !== undefined,
  };
}

/**
 * A panel's chart, chosen for its data: a line over every month for a time series with at least
 * two months, else bars (one month of a time series is a bar per series).
 */
function chart(view: AnalystView, panel: ChartPanel): string {
  const { chart: spec } = view;
  const labels = chartLabels(view, panel);
  const categories = [...new Set(panel.points.map((p) => p.category))];
  const svg =
    spec.kind === 'line' && categories.length > 1
      ? lineChart(
          panel.points,
          spec.step === 'month' ? monthAxis(categories) : categories.sort(),
          labels,
        )
      : barChart(panel.points, labels);
  return `<figure class="chart" data-view="${escape(view.name)}" data-currency="${escape(panel.currency)}">
<figcaption>${escape(labels.title)}</figcaption>
${svg}
</figure>`;
}

/** Panels that would be a single bar, as rows of one small table: a chart of one bar says less. */
function singles(view: AnalystView, panels: readonly ChartPanel[]): string {
  if (panels.length === 0) return '';
  const { chart: spec } = view;
  const heads = [
    'Currency',
    columnLabel(spec.label ?? spec.category[0] ?? ''),
    ...(spec.series ? [columnLabel(spec.series)] : []),
    spec.values.map(columnLabel).join(' and '),
  ];
  const rows = panels.flatMap((panel) =>
    panel.points.map((p) => {
      const labels = chartLabels(view, panel);
      const cells = [
        escape(panel.currency),
        escape(p.label),
        ...(spec.series ? [escape(labels.series(p.series))] : []),
      ];
      return `<tr class="point" data-currency="${escape(panel.currency)}" data-category="${escape(p.category)}" data-series="${escape(p.series)}" data-value="${escape(p.value)}">${cells.map((c) => `<td>${c}</td>`).join('')}<td class="num">${escape(p.value)}</td></tr>`;
    }),
  );
  return `<table class="singles" data-view="${escape(view.name)}"><caption>${panels.length === 1 ? 'A currency' : 'Currencies'} with a single bar, as a row</caption>
<thead><tr>${heads.map((h, i) => `<th${i === heads.length - 1 ? ' class="num"' : ''}>${escape(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

function charts(report: ViewReport): string {
  if (report.panels.length === 0) return '<p class="muted">No rows yet.</p>';
  const single = (panel: ChartPanel) => panel.points.length === 1;
  return [
    ...report.panels.filter((p) => !single(p)).map((p) => chart(report.view, p)),
    singles(report.view, report.panels.filter(single)),
  ].join('\n');
}

function table(report: ViewReport): string {
  const { view } = report;
  const numeric = view.table.map((c) => NUMERIC.includes(view.columns[c] ?? 'STRING'));
  const head = view.table
    .map((c, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escape(columnLabel(c))}</th>`)
    .join('');
  const body = report.rows
    .map(
      (row) =>
        `<tr>${row.map((cell, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escape(cell ?? '—')}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const more =
    report.totalRows > report.rows.length
      ? `<p class="muted">${report.rows.length} of ${report.totalRows} rows, the largest first; <code>SELECT * FROM analytics.${escape(view.name)}</code> has them all.</p>`
      : '';
  return `<table class="rows" data-view="${escape(view.name)}"><thead><tr>${head}</tr></thead>
<tbody>${body || `<tr><td colspan="${view.table.length}" class="muted">No rows yet.</td></tr>`}</tbody></table>${more}`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:24px 32px;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:34px 0 2px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.muted{color:#656d76}nav a{margin-right:14px;color:#1f5fbf;text-decoration:none}
figure.chart{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:12px 0;padding:8px 12px;display:inline-block;vertical-align:top}
figcaption{font-weight:600;margin-bottom:4px}caption{font-weight:600;text-align:left;padding:6px 10px;white-space:nowrap}
table.singles{margin:12px 0}
table{border-collapse:collapse;background:#fff;border:1px solid #d8dee4;margin-top:8px}
th,td{padding:4px 10px;border-bottom:1px solid #eaeef2;text-align:left;white-space:nowrap}
th{background:#f3f5f7;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}svg text.axis-title{font-weight:600;fill:#444c56}
svg text.value{fill:#444c56}svg .point:hover{opacity:.8}`;

/**
 * The page of `deliverance analytics --html`: one section per analyst view, with its chart (one
 * per currency where the view's money may not be added across currencies) and its rows. The
 * same visual specs drive the QuickSight dashboard. Self-contained: inline CSS and SVG, no
 * script, no external asset.
 *
 * @example
 * await writeFile('analytics.html', renderAnalyticsHtml(await collectAnalytics(pool)));
 */
export function renderAnalyticsHtml(report: AnalyticsReport): string {
  const sections = report.views
    .map(
      (r) => `<section id="${escape(r.view.name)}">
<h2>${escape(r.view.title)}</h2>
<div class="muted">${escape(r.view.question)} <code>analytics.${escape(r.view.name)}</code></div>
${charts(r)}
${table(r)}
</section>`,
    )
    .join('\n');
  const nav = report.views
    .map((r) => `<a href="#${escape(r.view.name)}">${escape(r.view.title)}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Deliverance analytics</title><style>${CSS}</style></head>
<body>
<h1>Deliverance analytics</h1>
<div class="muted">The warehouse's analytics views, as of ${escape(report.generatedAt)}. Money is never converted: each currency has its own chart.</div>
<nav>${nav}</nav>
${sections}
</body></html>
`;
}
