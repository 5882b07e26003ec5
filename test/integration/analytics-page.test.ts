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
  if (process.env.ANALYTICS_SCREENSHOT) {
    await page.screenshot({ path: process.env.ANALYTICS_SCREENSHOT, fullPage: true });
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await warehouse?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

/**
 * What the chart of `view` must draw, computed here from the view's rows rather than by the
 * page's SQL: the rows the chart keeps, summed per currency (where split), category and series.
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
        view.perCurrency ? String(row.currency_code) : '',
        String(row[chart.category]),
        chart.series ? String(row[chart.series]) : value,
      ].join('|');
      sums.set(key, (sums.get(key) ?? 0) + hundredths(String(row[value])));
    }
  }
  return [...sums].map(([key, sum]) => `${key} = ${sum}`).sort();
}

async function drawnPoints(view: AnalystView): Promise<Drawn[]> {
  const points = await page
    .locator(`figure.chart[data-view="${view.name}"] .point`)
    .evaluateAll((elements) =>
      elements.map((e) => ({
        currency: e.closest('figure')?.getAttribute('data-currency') ?? '',
        category: e.getAttribute('data-category') ?? '',
        series: e.getAttribute('data-series') ?? '',
        value: e.getAttribute('data-value') ?? '',
      })),
    );
  return points
    .map((p) => `${p.currency}|${p.category}|${p.series} = ${hundredths(p.value)}`)
    .sort();
}

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
    // The sample star trades GBP and USD (and buys in EUR): split charts have a panel each.
    expect(charts.map((c) => `${c.view}: ${c.title}`)).toEqual([
      'sales_by_month_country: Sales by month and country (GBP)',
      'sales_by_month_country: Sales by month and country (USD)',
      'top_designs_by_revenue: Top designs by revenue (GBP)',
      'top_designs_by_revenue: Top designs by revenue (USD)',
      'revenue_by_staff_department: Revenue by staff department (GBP)',
      'revenue_by_staff_department: Revenue by staff department (USD)',
      'outstanding_payments_by_counterparty: Outstanding payments by counterparty (GBP)',
      'purchases_vs_sales_by_currency: Purchases and sales by currency',
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
    await expect(value('top_designs_by_revenue', 'GBP', 'Wooden', 'revenue')).resolves.toBe(
      '430.00',
    );
    await expect(
      value('outstanding_payments_by_counterparty', 'GBP', 'Bolt SARL', 'SALES_RECEIPT'),
    ).resolves.toBe('72.00');
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
