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
  readonly category: string;
  readonly series: string;
  readonly value: string;
}

/** One chart: all of a view when it is not split by currency, else one currency of it. */
export interface ChartPanel {
  readonly currency?: string;
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
  series: string;
  value: string;
}

/** Not split by currency: every row in one panel, keyed so (NULL never equals NULL in a join). */
const ALL_CURRENCIES = '';

async function chartPanels(
  client: PoolClient,
  view: AnalystView,
  source: string,
  where: string,
): Promise<ChartPanel[]> {
  const id = (name: string) => client.escapeIdentifier(name);
  const { chart } = view;
  const currency = view.perCurrency
    ? `${id(CURRENCY_COLUMN)}::text`
    : client.escapeLiteral(ALL_CURRENCIES);
  // One SELECT per value column, the column's name as its series when there is no series column.
  const selects = chart.values.map(
    (value) =>
      `SELECT ${currency} AS currency, ${id(chart.category)}::text AS category,
              ${chart.series ? `coalesce(${id(chart.series)}::text, '—')` : client.escapeLiteral(value)} AS series,
              sum(${id(value)}) AS value
         FROM ${source} ${where}
        GROUP BY 1, 2, 3`,
  );
  const { rows } = await client.query<PointRow>(
    `WITH grouped AS (${selects.join(' UNION ALL ')}),
     ranked AS (
       SELECT currency, series,
              rank() OVER (PARTITION BY currency ORDER BY sum(value) DESC, series) AS place
         FROM grouped GROUP BY currency, series
     )
     SELECT g.currency, g.category,
            CASE WHEN r.place <= ${MAX_SERIES} THEN g.series ELSE ${client.escapeLiteral(OTHER_SERIES)} END AS series,
            sum(g.value)::text AS value
       FROM grouped g JOIN ranked r USING (currency, series)
      WHERE g.category IS NOT NULL
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`,
  );
  const panels = new Map<string, ChartPoint[]>();
  for (const row of rows) {
    const points = panels.get(row.currency) ?? [];
    points.push({ category: row.category, series: row.series, value: row.value });
    panels.set(row.currency, points);
  }
  return [...panels].map(([panelCurrency, points]) =>
    panelCurrency === ALL_CURRENCIES ? { points } : { currency: panelCurrency, points },
  );
}
