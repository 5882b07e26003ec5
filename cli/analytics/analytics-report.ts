import type { Pool, PoolClient } from 'pg';
import {
  ANALYST_VIEWS,
  ANALYTICS_SCHEMA,
  CURRENCY_COLUMN,
  DEFAULT_CURRENCY,
  type AnalystView,
} from '../../contract/analyst-views';

/** One drawn value: a point of a line, or a bar. `value` is the warehouse's exact decimal text. */
export interface ChartPoint {
  /** The category's key, its columns' values joined by ` / `: an id, a month, a name and place. */
  readonly category: string;
  /** The category as the axis names it: "Granite", or "Granite (#12)" when two share the name. */
  readonly label: string;
  readonly series: string;
  readonly value: string;
}

/** One currency's chart: money is never drawn on one axis with another currency's. */
export interface ChartPanel {
  readonly currency: string;
  readonly points: readonly ChartPoint[];
}

export interface ViewReport {
  readonly view: AnalystView;
  readonly panels: readonly ChartPanel[];
  /**
   * The view's rows as the warehouse writes them, the default currency's first, the largest first
   * within a currency; at most {@link TABLE_ROWS}.
   */
  readonly rows: readonly (readonly string[])[];
  /** How many rows the view has (after the chart's top filter). */
  readonly totalRows: number;
}

export interface AnalyticsReport {
  readonly generatedAt: string;
  readonly views: readonly ViewReport[];
}

export const TABLE_ROWS = 20;
/** Lines or bars per chart beyond which the smallest series are drawn together as one. */
export const MAX_SERIES = 8;
/** The series that holds the smallest ones, so a chart stays readable at any scale. */
export const OTHER_SERIES = '(all others)';

/**
 * Reads every analyst view's answer from the warehouse, shaped for its visual spec: the chart's
 * sums are the database's, so what the page shows is exactly what the view says. Identifiers come
 * from `contract/analyst-views.ts` only, quoted.
 *
 * @example
 * const report = await collectAnalytics(environment.warehouse);
 */
export async function collectAnalytics(warehouse: Pool): Promise<AnalyticsReport> {
  const client = await warehouse.connect();
  try {
    const id = (name: string) => client.escapeIdentifier(name);
    const views: ViewReport[] = [];
    for (const view of ANALYST_VIEWS) {
      const source = `${id(ANALYTICS_SCHEMA)}.${id(view.name)}`;
      const { top } = view.chart;
      const where = top ? `WHERE ${id(top.column)} <= ${Number(top.max)}` : '';
      const panels = await chartPanels(client, view, source, where);
      const firstValue = id(view.chart.values[0] ?? view.table[0] ?? CURRENCY_COLUMN);
      const table = await client.query<string[]>({
        text: `SELECT ${view.table.map((c) => `${id(c)}::text`).join(', ')}, count(*) OVER ()::int
                 FROM ${source} AS v ${where}
                ORDER BY v.${id(CURRENCY_COLUMN)} = ${client.escapeLiteral(DEFAULT_CURRENCY)} DESC,
                         v.${id(CURRENCY_COLUMN)}, v.${firstValue} DESC NULLS LAST
                LIMIT ${TABLE_ROWS}`,
        rowMode: 'array',
      });
      views.push({
        view,
        panels,
        rows: table.rows.map((row) => row.slice(0, view.table.length)),
        totalRows: Number(table.rows[0]?.[view.table.length] ?? 0),
      });
    }
    return { generatedAt: new Date().toISOString(), views };
  } finally {
    client.release();
  }
}

interface PointRow {
  currency: string;
  category: string;
  name: string;
  rest: string | null;
  series: string;
  value: string;
}

/** Joins a category's key columns; a null key part is written as a dash. */
const KEY_SEPARATOR = ' / ';

async function chartPanels(
  client: PoolClient,
  view: AnalystView,
  source: string,
  where: string,
): Promise<ChartPanel[]> {
  const id = (name: string) => client.escapeIdentifier(name);
  const text = (column: string) => `coalesce(${id(column)}::text, '—')`;
  const { chart } = view;
  const key = chart.category.map(text).join(`, ${client.escapeLiteral(KEY_SEPARATOR)}, `);
  // What tells a category from another of the same name: "#12" for an id, else the value.
  const rest = chart.category
    .filter((column) => column !== chart.label)
    .map((column) => (column.endsWith('_id') ? `'#' || ${text(column)}` : text(column)));
  // One SELECT per value column, the column's name as its series when there is no series column.
  const selects = chart.values.map(
    (value) =>
      `SELECT ${id(CURRENCY_COLUMN)}::text AS currency, concat(${key}) AS category,
              min(${chart.label ? text(chart.label) : `concat(${key})`}) AS name,
              ${chart.label && rest.length > 0 ? `min(concat_ws(', ', ${rest.join(', ')}))` : 'NULL'} AS rest,
              ${chart.series ? `coalesce(${id(chart.series)}::text, '—')` : client.escapeLiteral(value)} AS series,
              sum(${id(value)}) AS value
         FROM ${source} ${where}
        GROUP BY 1, 2, 5`,
  );
  const { rows } = await client.query<PointRow>(
    `WITH grouped AS (${selects.join(' UNION ALL ')}),
     ranked AS (
       SELECT currency, series,
              rank() OVER (PARTITION BY currency ORDER BY sum(value) DESC, series) AS place
         FROM grouped GROUP BY currency, series
     )
     SELECT g.currency, g.category, min(g.name) AS name, min(g.rest) AS rest,
            CASE WHEN r.place <= ${MAX_SERIES} THEN g.series ELSE ${client.escapeLiteral(OTHER_SERIES)} END AS series,
            sum(g.value)::text AS value
       FROM grouped g JOIN ranked r USING (currency, series)
      GROUP BY 1, 2, 5
      ORDER BY 1, 2, 5`,
  );
  const label = categoryLabels(rows);
  const panels = new Map<string, ChartPoint[]>();
  for (const row of rows) {
    const points = panels.get(row.currency) ?? [];
    points.push({
      category: row.category,
      label: label(row),
      series: row.series,
      value: row.value,
    });
    panels.set(row.currency, points);
  }
  return [...panels].map(([currency, points]) => ({ currency, points }));
}

/**
 * A category's name, followed by the rest of its key where another category of the view (in any
 * currency) has the same name, so the same design reads the same in every chart.
 */
function categoryLabels(rows: readonly PointRow[]): (row: PointRow) => string {
  const keys = new Map<string, Set<string>>();
  for (const row of rows) keys.set(row.name, (keys.get(row.name) ?? new Set()).add(row.category));
  return (row) =>
    row.rest !== null && (keys.get(row.name)?.size ?? 0) > 1
      ? `${row.name} (${row.rest})`
      : row.name;
}
