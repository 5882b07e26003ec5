import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { FRESHNESS_ALARM, FRESHNESS_THRESHOLD_SECONDS } from '../../contract/freshness';
import { newBatchId } from '../../lambdas/shared/core/batch';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { PIPELINE_STAGES } from '../../lambdas/shared/ports/run-log';
import type {
  BatchRun,
  PipelineStatus,
  StageRun,
  StageState,
  TableStatus,
} from '../../cli/status/pipeline-status';
import { renderStatusHtml } from '../../cli/status/render-status-html';
import { launchBrowser } from '../support/browser';

/** A laptop's screen: the page must show freshness on it without scrolling. */
const LAPTOP = { width: 1366, height: 768 };

const NOW = Date.parse('2026-12-05T10:00:00.000Z');
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

/** Ten runs five minutes apart, newest first, the third newest failed at load. */
const runs: BatchRun[] = Array.from({ length: 10 }, (_, i) => {
  const batchId = newBatchId(new Date(NOW - (i * 300 + 60) * 1000), () => i / 16);
  const stage = (state: StageState, seconds: number): StageRun => ({
    state,
    startedAt: at(i * 300 + 60),
    finishedAt: at(i * 300 + 60 - seconds),
    seconds,
    rows: state === 'success' ? 1000 + i : null,
    error: state === 'error' ? 'injected: the warehouse refused the connection' : null,
  });
  return {
    batchId,
    stages: {
      ingest: stage('success', 4 + i),
      transform: stage('success', 2 + i / 2),
      load: stage(i === 2 ? 'error' : 'success', 1 + i / 4),
    },
    replays: [],
  };
});

/**
 * Freshness by table: the first table just past the alarm's threshold, the second right at it
 * (the alarm fires only above), the third never loaded, the rest a minute old.
 */
const freshness = (index: number): number | null =>
  index === 0
    ? FRESHNESS_THRESHOLD_SECONDS + 1
    : index === 1
      ? FRESHNESS_THRESHOLD_SECONDS
      : index === 2
        ? null
        : 60;

const tables: Record<string, TableStatus> = Object.fromEntries(
  SOURCE_TABLE_NAMES.map((name, index) => {
    const seconds = freshness(index);
    return [
      name,
      {
        watermark: '2026-12-05T09:59:00.000000Z',
        backfill: null,
        lastBatchId: runs[0]!.batchId,
        lastRowsBatchId: runs[0]!.batchId,
        lastRows: 123_456,
        completeUpTo: seconds === null ? null : at(seconds),
        freshnessSeconds: seconds,
        newestLoadedChange: seconds === null ? null : at(seconds + 30),
        newestChangeAgeSeconds: seconds === null ? null : seconds + 30,
        pause: null,
        schema: null,
        futureStamped: null,
        stages: { ingest: 'success', transform: 'success', load: 'success' },
      } satisfies TableStatus,
    ];
  }),
);

const status: PipelineStatus = {
  generatedAt: new Date(NOW).toISOString(),
  tables,
  warehouse: {
    lastLoadedBatchId: runs[0]!.batchId,
    loadedAt: at(30),
    completeUpTo: at(FRESHNESS_THRESHOLD_SECONDS + 1),
    freshnessSeconds: FRESHNESS_THRESHOLD_SECONDS + 1,
    newestSourceChange: at(90),
    newestChangeAgeSeconds: 90,
  },
  runs,
  failures: [
    {
      batchId: runs[2]!.batchId,
      stage: 'load',
      at: at(660),
      error: 'injected: the warehouse refused the connection',
      resolvedAt: null,
      resolvedBy: null,
    },
  ],
  parked: [],
  gaps: [],
  schemaChanges: [],
  environment: null,
  deadLetters: null,
  alarms: null,
};

let folder: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'dlv-status-page-'));
  const file = join(folder, 'status.html');
  await writeFile(file, renderStatusHtml(status));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: LAPTOP });
  await page.goto(`file://${file}`);
  const screenshot = process.env.STATUS_SCREENSHOT;
  if (screenshot) {
    // What the laptop shows, then the whole page.
    await page.screenshot({ path: screenshot });
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-full.png'), fullPage: true });
  }
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('deliverance status --html on a laptop, in Chromium', () => {
  it("shows every table's freshness on a 1366 × 768 screen without scrolling", async () => {
    const cells = await page.locator('#tables tbody tr td.freshness').evaluateAll((tds) =>
      tds.map((td) => {
        const box = td.getBoundingClientRect();
        return { right: box.right, bottom: box.bottom };
      }),
    );
    expect(cells).toHaveLength(SOURCE_TABLE_NAMES.length);
    for (const cell of cells) {
      expect(cell.right).toBeLessThanOrEqual(LAPTOP.width);
      expect(cell.bottom).toBeLessThanOrEqual(LAPTOP.height);
    }
    const scrollWidth = await page.locator('html').evaluate((html) => html.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(LAPTOP.width);
  });

  it("colours freshness against the freshness alarm's threshold", async () => {
    const states = await page
      .locator('#tables tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [
          row.getAttribute('data-table'),
          row.querySelector('td.freshness')?.getAttribute('data-freshness'),
        ]),
      );
    expect(states).toEqual(
      SOURCE_TABLE_NAMES.map((name, index) => [
        name,
        index === 0 ? 'stale' : index === 2 ? 'unknown' : 'fresh',
      ]),
    );
    const colours = await Promise.all(
      ['stale', 'fresh', 'unknown'].map((state) =>
        page
          .locator(`td[data-freshness="${state}"]`)
          .first()
          .evaluate((td) => td.ownerDocument.defaultView?.getComputedStyle(td).backgroundColor),
      ),
    );
    expect(new Set(colours).size).toBe(3);
    await expect(page.locator('.card[data-freshness="stale"]').count()).resolves.toBe(1);
    await expect(page.locator('#freshness-legend').innerText()).resolves.toContain('30 min');
  });

  it("colours against a deployed freshness alarm's own threshold where status read it", () => {
    const freshnessOf = (html: string, table: string) =>
      new RegExp(`data-table="${table}"[^]*?data-freshness="(\\w+)"`).exec(html)?.[1];
    const threshold = FRESHNESS_THRESHOLD_SECONDS * 2;
    const deployed = renderStatusHtml({
      ...status,
      environment: 'prod',
      alarms: [
        {
          name: 'deliverance-prod-load-errors',
          state: 'OK',
          since: null,
          reason: null,
          threshold: 0,
        },
        {
          name: `deliverance-prod-${FRESHNESS_ALARM}`,
          state: 'OK',
          since: null,
          reason: null,
          threshold,
        },
      ],
    });
    expect(freshnessOf(renderStatusHtml(status), SOURCE_TABLE_NAMES[0]!)).toBe('stale');
    expect(freshnessOf(deployed, SOURCE_TABLE_NAMES[0]!)).toBe('fresh');
    expect(deployed).toContain(`threshold of ${threshold / 60} min`);
  });

  it('lists runs newest first in the history and in the durations chart', async () => {
    const newestFirst = runs.map((r) => r.batchId);
    const history = await page
      .locator('#runs tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-batch')));
    expect(history).toEqual(newestFirst);
    const bars = await page.locator('#durations [data-batch]').evaluateAll((rows) =>
      rows
        .map((row) => ({ batch: row.getAttribute('data-batch'), y: row.getBoundingClientRect().y }))
        .sort((a, b) => a.y - b.y)
        .map((row) => row.batch),
    );
    expect(bars).toEqual(newestFirst);
  });

  it('names in the legend every colour the durations chart uses', async () => {
    const fills = await page
      .locator('#durations rect.segment')
      .evaluateAll((rects) => [...new Set(rects.map((r) => r.getAttribute('fill')))]);
    const legend = await page
      .locator('#durations .legend rect')
      .evaluateAll((rects) => rects.map((r) => r.getAttribute('fill')));
    expect(fills.length).toBe(PIPELINE_STAGES.length + 1);
    expect([...legend].sort()).toEqual([...fills].sort());
    await expect(page.locator('#durations .legend').textContent()).resolves.toContain('error');
  });
});
