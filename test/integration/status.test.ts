import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { ingestBatch, loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { formatStatusText } from '../../cli/status/format-status-text';
import {
  collectStatus,
  localStatusSources,
  type PipelineStatus,
} from '../../cli/status/pipeline-status';
import { renderStatusHtml } from '../../cli/status/render-status-html';
import { launchBrowser } from '../support/browser';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

/** A warehouse that cannot be reached: every connection attempt is refused. */
function unreachable(pool: Pool): Pool {
  const failing = Object.create(pool) as Pool;
  const refuse = () => Promise.reject(new Error('injected: the warehouse refused the connection'));
  failing.connect = refuse as Pool['connect'];
  failing.query = refuse as Pool['query'];
  return failing;
}

let stack: TestStack;
const options = { logger: silentLogger, overlapSeconds: 300 };
const batches: { ok: string; failed: string; waiting: string } = {
  ok: '',
  failed: '',
  waiting: '',
};
let status: PipelineStatus;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });

  batches.ok = (await runCycle(stack, options)).ingest.batchId;

  const failed = await ingestBatch(stack, options);
  batches.failed = failed.batchId;
  const transformed = await transformBatch(stack, failed.manifestKey, silentLogger);
  await expect(
    loadBatch(
      { ...stack, warehouse: unreachable(stack.warehouse) },
      transformed.manifestKey,
      silentLogger,
    ),
  ).rejects.toThrow('injected');

  batches.waiting = (await ingestBatch(stack, options)).batchId;
  status = await collectStatus(localStatusSources(stack), { limit: 10 });
}, 900_000);
afterAll(() => stack?.stop());

describe('deliverance status against a real local run', () => {
  it('lists the runs newest first with each stage in its state', () => {
    expect(status.runs.map((r) => r.batchId)).toEqual([
      batches.waiting,
      batches.failed,
      batches.ok,
    ]);
    const states = status.runs.map((r) => [
      r.stages.ingest.state,
      r.stages.transform.state,
      r.stages.load.state,
    ]);
    expect(states).toEqual([
      ['success', 'pending', 'none'],
      ['success', 'success', 'error'],
      ['success', 'success', 'success'],
    ]);
    const ok = status.runs[2]!;
    expect(ok.stages.ingest.rows).toBeGreaterThan(0);
    expect(ok.stages.load.seconds).toBeGreaterThan(0);
  });

  it('reports the failed load with its error text', () => {
    expect(status.failures).toEqual([
      expect.objectContaining({
        batchId: batches.failed,
        stage: 'load',
        error: 'injected: the warehouse refused the connection',
      }),
    ]);
  });

  it('shows every source table with its watermark, rows, freshness and latest stages', () => {
    expect(Object.keys(status.tables).sort()).toEqual([...SOURCE_TABLE_NAMES].sort());
    for (const table of Object.values(status.tables)) {
      expect(table.watermark).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(table.lastBatchId).toBe(batches.waiting);
      expect(table.stages).toEqual({ ingest: 'success', transform: 'pending', load: 'none' });
    }
    const sales = status.tables.sales_order!;
    expect(sales.lastRowsBatchId).toBe(batches.ok);
    expect(sales.lastRows).toBeGreaterThan(0);
    expect(sales.freshnessSeconds).toBeGreaterThanOrEqual(0);
    expect(status.warehouse.lastLoadedBatchId).toBe(batches.ok);
    expect(status.gaps).toEqual([]);
  });

  it('prints the tables, the runs and the failure as text', () => {
    const text = formatStatusText(status);
    for (const table of SOURCE_TABLE_NAMES) expect(text).toContain(table);
    expect(text).toContain(batches.failed);
    expect(text).toMatch(/error/);
    expect(text).toMatch(/pending/);
    expect(text).toContain('injected: the warehouse refused the connection');
  });

  it('renders a report Chromium shows with every table and the run history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dlv-status-'));
    const file = join(dir, 'status.html');
    await writeFile(file, renderStatusHtml(status));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const external: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) external.push(request.url());
      });
      await page.goto(`file://${file}`);
      const tables = await page.locator('#tables tbody tr th').allInnerTexts();
      expect(tables.sort()).toEqual([...SOURCE_TABLE_NAMES].sort());
      const runs = await page
        .locator('#runs tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-batch')));
      expect(runs).toEqual([batches.waiting, batches.failed, batches.ok]);
      await expect(page.locator('body').innerText()).resolves.toContain(
        'injected: the warehouse refused the connection',
      );
      expect(await page.locator('svg').count()).toBeGreaterThan(SOURCE_TABLE_NAMES.length);
      expect(external).toEqual([]);
      if (process.env.STATUS_SCREENSHOT) {
        await page.screenshot({ path: process.env.STATUS_SCREENSHOT, fullPage: true });
      }
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows a batch skipped over by a later load as a gap', async () => {
    const waiting = await transformBatch(stack, `manifests/${batches.waiting}.json`, silentLogger);
    await loadBatch(stack, waiting.manifestKey, silentLogger);
    const after = await collectStatus(localStatusSources(stack), { limit: 2 });
    expect(after.runs).toHaveLength(2);
    expect(after.gaps).toEqual([
      { batchId: batches.failed, missing: 'load', laterBatchId: batches.waiting },
    ]);
    expect(formatStatusText(after)).toContain(
      `deliverance replay --batch ${batches.failed} --stage load`,
    );
  });

  it('answers --json from the command line, keyed by table name, and exits 3 for its failure', async () => {
    const failed = await runDeliverance(
      ['status', '--json', '--limit', '3'],
      cliEnvironment(stack),
    );
    expect(failed.code).toBe(3);
    const json = JSON.parse(failed.stdout) as PipelineStatus & { attention: string[] };
    expect(json.attention).toEqual(['1 failure', '1 batch gap']);
    expect(Object.keys(json.tables).sort()).toEqual([...SOURCE_TABLE_NAMES].sort());
    expect(json.tables.payment?.stages).toEqual({
      ingest: 'success',
      transform: 'success',
      load: 'success',
    });
    expect(json.runs.map((r) => r.batchId)).toEqual([batches.waiting, batches.failed, batches.ok]);
    expect(json.failures[0]?.error).toBe('injected: the warehouse refused the connection');
  });
});
