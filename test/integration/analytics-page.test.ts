import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import type { Browser, Page } from 'playwright-core';
import { ANALYST_ROLE, ANALYST_VIEWS, type AnalystView } from '../../contract/analyst-views';
import { collectAnalytics } from '../../cli/analytics/analytics-report';
import { renderAnalyticsHtml } from '../../cli/analytics/render-analytics-html';
import { setAnalystPassword } from '../../lambdas/load/analyst-role';
import { launchBrowser } from '../support/browser';
import { addChartCases } from './support/chart-star';
import { startSampleWarehouse, type SampleWarehouse } from './support/sample-star';

const ROOT = resolve(__dirname, '../..');
let warehouse: SampleWarehouse;
let folder: string;
let browser: Browser;
let page: Page;
const external: string[] = [];

/** A drawn point as `currency|category|series = value in hundredths`, comparable exactly. */
type Drawn = string;
const hundredths = (value: string) => Math.round(Number(value) * 100);

beforeAll(async () => {
  warehouse = await startSampleWarehouse();
  await addChartCases(warehouse.client);
  folder = await mkdtemp(join(tmpdir(), 'dlv-analytics-'));
  const pool = new Pool({ connectionString: warehouse.url, max: 1 });
  const file = join(folder, 'analytics.html');
  try {
    await writeFile(file, renderAnalyticsHtml(await collectAnalytics(pool)));
  } finally {
    await pool.end();
  }
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) external.push(request.url());
  });
  await page.goto(`file://${file}`);
  const screenshot = process.env.ANALYTICS_SCREENSHOT;
  if (screenshot) {
    // The whole page, then each question on its own, readable at full size.
    await page.screenshot({ path: screenshot, fullPage: true });
    for (const { name } of ANALYST_VIEWS) {
      await page
        .locator(`section#${name}`)
        .screenshot({ path: screenshot.replace(/\.png$/, `-${name}.png`) });
    }
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await warehouse?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** A category's key as the page writes it: its key columns' values, joined. */
const categoryKey = (view: AnalystView, row: Record<string, unknown>) =>
  view.chart.category.map((column) => String(row[column] ?? '—')).join(' / ');

/**
 * What the charts of `view` must draw, computed here from the view's rows rather than by the
 * page's SQL: the rows the chart keeps, summed per currency, category key (an id, never a name)
 * and series.
 */
async function expectedPoints(view: AnalystView): Promise<Drawn[]> {
  const { rows } = await warehouse.client.query<Record<string, unknown>>(
    `SELECT * FROM analytics.${view.name}`,
  );
  const { chart } = view;
  const kept = rows.filter((row) => !chart.top || Number(row[chart.top.column]) <= chart.top.max);
  const sums = new Map<string, number>();
  for (const row of kept) {
    for (const value of chart.values) {
      const key = [
        String(row.currency_code),
        categoryKey(view, row),
        chart.series ? String(row[chart.series]) : value,
      ].join('|');
      sums.set(key, (sums.get(key) ?? 0) + hundredths(String(row[value])));
    }
  }
  return [...sums].map(([key, sum]) => `${key} = ${sum}`).sort();
}

/** Every value the page shows for `view`: its charts' points and its single-bar rows. */
async function drawnPoints(view: AnalystView): Promise<Drawn[]> {
  const points = await page
    .locator(
      `figure.chart[data-view="${view.name}"] .point, table.singles[data-view="${view.name}"] .point`,
    )
    .evaluateAll((elements) =>
      elements.map((e) => ({
        currency: e.closest('[data-currency]')?.getAttribute('data-currency') ?? '',
        category: e.getAttribute('data-category') ?? '',
        series: e.getAttribute('data-series') ?? '',
        value: e.getAttribute('data-value') ?? '',
      })),
    );
  return points
    .map((p) => `${p.currency}|${p.category}|${p.series} = ${hundredths(p.value)}`)
    .sort();
}

/** The category axis' labels of one chart, top to bottom. */
const barLabels = (name: string, currency: string) =>
  page
    .locator(`figure[data-view="${name}"][data-currency="${currency}"] .y-axis .tick`)
    .allTextContents();

describe('deliverance analytics --html, in Chromium', () => {
  it('renders one section per question, in the order of the visual specs, with nothing fetched', async () => {
    const titles = await page.locator('section h2').allInnerTexts();
    expect(titles).toEqual(ANALYST_VIEWS.map((v) => v.title));
    expect(await page.title()).toBe('Deliverance analytics');
    expect(external).toEqual([]);
  });

  it('gives each chart its title, both axes with titles and ticks, and data points', async () => {
    const charts = await page.locator('figure.chart').evaluateAll((figures) =>
      figures.map((f) => ({
        view: f.getAttribute('data-view'),
        title: f.querySelector('figcaption')?.textContent ?? '',
        axes: ['x-axis', 'y-axis'].map((axis) => ({
          title: f.querySelector(`.${axis} .axis-title`)?.textContent ?? '',
          ticks: f.querySelectorAll(`.${axis} .tick`).length,
        })),
        points: f.querySelectorAll('.point').length,
        box: f.querySelector('svg')?.getBoundingClientRect().height ?? 0,
      })),
    );
    // A chart per currency wherever it has more than one bar: JPY (one order) has none but its
    // purchases and sales, USD sold in one month, one department sells in USD, EUR and JPY.
    expect(charts.map((c) => `${c.view}: ${c.title}`)).toEqual([
      'sales_by_month_country: Sales by month and country (EUR)',
      'sales_by_month_country: Sales by month and country (GBP)',
      'top_designs_by_revenue: Top designs by revenue (EUR)',
      'top_designs_by_revenue: Top designs by revenue (GBP)',
      'revenue_by_staff_department: Revenue by staff department (GBP)',
      'outstanding_payments_by_counterparty: Outstanding payments by counterparty (EUR)',
      'outstanding_payments_by_counterparty: Outstanding payments by counterparty (GBP)',
      'purchases_vs_sales_by_currency: Purchases and sales by currency (EUR)',
      'purchases_vs_sales_by_currency: Purchases and sales by currency (GBP)',
      'purchases_vs_sales_by_currency: Purchases and sales by currency (JPY)',
      'purchases_vs_sales_by_currency: Purchases and sales by currency (USD)',
    ]);
    for (const c of charts) {
      expect({ chart: c.title, axes: c.axes.map((a) => a.title !== '' && a.ticks > 0) }).toEqual({
        chart: c.title,
        axes: [true, true],
      });
      expect(c.points).toBeGreaterThan(0);
      expect(c.box).toBeGreaterThan(40);
    }
  });

  it.each(ANALYST_VIEWS.map((v) => [v.name, v] as const))(
    'draws exactly what analytics.%s answers',
    async (_name, view) => {
      const expected = await expectedPoints(view);
      expect(expected.length).toBeGreaterThan(0);
      expect(await drawnPoints(view)).toEqual(expected);
    },
  );

  it('labels every bar with the value it draws, as the view writes it', async () => {
    const bars = await page.locator('rect.point').evaluateAll((rects) =>
      rects.map((r) => ({
        drawn: r.getAttribute('data-value'),
        shown: r.nextElementSibling?.textContent?.replace(/,/g, ''),
      })),
    );
    expect(bars.length).toBeGreaterThan(ANALYST_VIEWS.length);
    expect(bars.filter((b) => b.drawn !== b.shown)).toEqual([]);
  });

  it('shows the numbers worked out by hand for the sample star', async () => {
    const value = (view: string, currency: string, category: string, series: string) =>
      page
        .locator(
          `figure[data-view="${view}"][data-currency="${currency}"] .point[data-category="${category}"][data-series="${series}"]`,
        )
        .getAttribute('data-value');
    // Order 1 at its latest version, 120 x 2.50; Wooden is orders 1 and 3.
    await expect(
      value('sales_by_month_country', 'GBP', '2024-01-01', 'United Kingdom'),
    ).resolves.toBe('300.00');
    await expect(value('top_designs_by_revenue', 'GBP', '1', 'revenue')).resolves.toBe('430.00');
    await expect(
      value('outstanding_payments_by_counterparty', 'GBP', '2', 'SALES_RECEIPT'),
    ).resolves.toBe('72.00');
  });

  it('keys every bar by id and shows the id beside a name two categories share', async () => {
    // Steel (#4) earns 400.00 and Steel (#2) 72.00: summed by name they would lead Wooden.
    // Wooden (#12) is outside the top ten, so the one Wooden shown needs no id.
    const designs = await barLabels('top_designs_by_revenue', 'GBP');
    expect(designs.slice(0, 3)).toEqual(['Wooden', 'Steel (#4)', 'Steel (#2)']);
    expect(designs).toContain('Canvas');
    expect(await barLabels('outstanding_payments_by_counterparty', 'GBP')).toEqual(
      expect.arrayContaining(['Acme Ltd (#1)', 'Acme Ltd (#3)', 'Bolt SARL']),
    );
    expect(await barLabels('revenue_by_staff_department', 'GBP')).toEqual(
      expect.arrayContaining(['Sales (Manchester)', 'Sales (Leeds)', 'Production']),
    );
  });

  it('draws exactly ten bars for the top ten, the ten designs that earn most', async () => {
    const { rows } = await warehouse.client.query<{ design_id: number; revenue: string }>(
      `SELECT design_id, revenue FROM analytics.top_designs_by_revenue WHERE currency_code = 'GBP'`,
    );
    expect(rows.length).toBeGreaterThan(10);
    // Computed here: by revenue, a tie going to the lower id (Hemp #11 and Wooden #12 tie).
    const topTen = rows
      .sort((a, b) => hundredths(b.revenue) - hundredths(a.revenue) || a.design_id - b.design_id)
      .slice(0, 10)
      .map((r) => String(r.design_id));
    const drawn = await page
      .locator('figure[data-view="top_designs_by_revenue"][data-currency="GBP"] rect.point')
      .evaluateAll((rects) => rects.map((r) => r.getAttribute('data-category')));
    expect(drawn).toEqual(topTen);
  });
});

describe('deliverance analytics --html, in Chromium: gaps, currencies, single rows and legends', () => {
  it('leaves a month without sales as a gap: on the axis, and never bridged by a line', async () => {
    const series = await page
      .locator('figure[data-view="sales_by_month_country"][data-currency="GBP"] g.series')
      .evaluateAll((groups) =>
        groups.map((g) => ({
          series: g.getAttribute('data-series'),
          points: [...g.querySelectorAll('circle.point')].map((c) => ({
            month: c.getAttribute('data-category') ?? '',
            at: `${c.getAttribute('cx')},${c.getAttribute('cy')}`,
          })),
          lines: [...g.querySelectorAll('polyline')].map(
            (l) => l.getAttribute('points')?.split(' ') ?? [],
          ),
        })),
      );
    const monthIndex = (month: string) =>
      Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7));
    // GBP sold in January, February, March, May and June: April is on the axis as a gap.
    const uk = series.find((s) => s.series === 'United Kingdom')!;
    expect(uk.points.map((p) => p.month)).toEqual([
      '2024-01-01',
      '2024-02-01',
      '2024-05-01',
      '2024-06-01',
    ]);
    const x = (p: { at: string }) => Number(p.at.split(',')[0]);
    const [jan, feb, may] = uk.points as [
      (typeof uk.points)[0],
      (typeof uk.points)[0],
      (typeof uk.points)[0],
    ];
    expect(x(may) - x(feb)).toBeCloseTo(3 * (x(feb) - x(jan)), 0);
    // Every segment of every line joins two neighbouring months.
    let segments = 0;
    for (const s of series) {
      const monthAt = new Map(s.points.map((p) => [p.at, p.month]));
      for (const line of s.lines) {
        for (let i = 1; i < line.length; i += 1) {
          const [from, to] = [monthAt.get(line[i - 1]!), monthAt.get(line[i]!)];
          expect({
            series: s.series,
            from,
            to,
            apart: monthIndex(to!) - monthIndex(from!),
          }).toEqual({ series: s.series, from, to, apart: 1 });
          segments += 1;
        }
      }
    }
    expect(segments).toBeGreaterThan(0);
    // France sold in January and March only: two points, no line.
    const france = series.find((s) => s.series === 'France')!;
    expect(france.points).toHaveLength(2);
    expect(france.lines).toEqual([]);
  });

  it('gives every currency its own chart and value axis, purchases and sales included', async () => {
    const { rows } = await warehouse.client.query<{ currency_code: string }>(
      'SELECT currency_code FROM analytics.purchases_vs_sales_by_currency ORDER BY 1',
    );
    const figures = await page
      .locator('figure[data-view="purchases_vs_sales_by_currency"]')
      .evaluateAll((fs) =>
        fs.map((f) => ({
          currency: f.getAttribute('data-currency'),
          axis: f.querySelector('.x-axis .axis-title')?.textContent,
        })),
      );
    expect(figures).toEqual(
      rows.map((r) => ({
        currency: r.currency_code,
        axis: `Sales revenue and Purchase cost (${r.currency_code})`,
      })),
    );
  });

  it('shows a chart that would hold one bar as a table row instead', async () => {
    const counts = await page
      .locator('figure.chart')
      .evaluateAll((fs) => fs.map((f) => f.querySelectorAll('.point').length));
    expect(counts.filter((n) => n < 2)).toEqual([]);
    const departments = await page
      .locator('table.singles[data-view="revenue_by_staff_department"] tbody tr')
      .allInnerTexts();
    expect(departments.map((r) => r.split('\t').slice(0, 2).join(' '))).toEqual([
      'EUR Sales (Manchester)',
      'JPY Sales (Manchester)',
      'USD Sales (Manchester)',
    ]);
  });

  it('names payment types in the legend, not by their codes', async () => {
    const legend = await page
      .locator('figure[data-view="outstanding_payments_by_counterparty"] .legend')
      .allTextContents();
    const text = legend.join(' ');
    expect(text).toContain('Sales receipt (owed to us)');
    expect(text).toContain('Purchase payment (we owe)');
    expect(text).not.toMatch(/[A-Z]+_[A-Z]+/);
  });

  it.each(ANALYST_VIEWS.map((v) => [v.name, v] as const))(
    'lists the rows of analytics.%s in its table',
    async (_name, view) => {
      const { rows } = await warehouse.client.query<string[]>({
        text: `SELECT ${view.table.map((c) => `${c}::text`).join(', ')} FROM analytics.${view.name}
                WHERE ${view.chart.top ? `${view.chart.top.column} <= ${view.chart.top.max}` : 'true'}`,
        rowMode: 'array',
      });
      const shown = await page
        .locator(`table.rows[data-view="${view.name}"] tbody tr`)
        .evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
      const text = (cells: (string | null)[][]) =>
        cells.map((r) => r.map((c) => c ?? '—').join(' | ')).sort();
      expect(text(shown)).toEqual(text(rows));
    },
  );
});

describe('deliverance analytics from the command line, as the read-only analyst', () => {
  const password = 'analytics page test';
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await setAnalystPassword(warehouse.client, password);
    const url = new URL(warehouse.url);
    url.username = ANALYST_ROLE;
    url.password = password;
    const analyst = new Client({ connectionString: url.toString() });
    await analyst.connect();
    await analyst.end();
    env = {
      ...process.env,
      // The source is never read: analytics only opens the warehouse.
      DELIVERANCE_SOURCE_URL: url.toString(),
      DELIVERANCE_WAREHOUSE_URL: url.toString(),
      DELIVERANCE_STATE_DIR: folder,
    };
  });

  const cli = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin/deliverance.cjs'), 'analytics', ...args],
      {
        cwd: ROOT,
        env,
      },
    );

  it('prints each question with the largest rows of its view', async () => {
    const { stdout } = await cli();
    for (const view of ANALYST_VIEWS) expect(stdout).toContain(view.title);
    expect(stdout).toMatch(/Wooden\s+GBP\s+2\s+160\s+430\.00/);
  });

  it('writes the page with --html', async () => {
    const file = join(folder, 'cli.html');
    const { stderr } = await cli('--html', file);
    expect(stderr).toContain(`analytics page written to ${file}`);
    const html = await readFile(file, 'utf8');
    expect(html).toContain('data-value="430.00"');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });
});
