import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { purgeParkedBatch, replayBatch } from '../../cli/commands/replay';
import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { formatStatusText } from '../../cli/status/format-status-text';
import type { MetricPoint } from '../../contract/metrics';
import { metricsOf as loadMetricsOf } from '../../lambdas/load/metrics';
import { loadStage } from '../../lambdas/load/load-stage';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { parseLandingManifest, parseProcessedManifest } from '../../lambdas/shared/core/manifest';
import { readManifest } from '../../lambdas/shared/manifest-reader';
import { parkedReasonKey } from '../../lambdas/shared/parked-batch';
import { PostgresLoadLog } from '../../lambdas/shared/adapters/postgres-load-log';
import { pendingLoads, pendingTransforms } from '../../lambdas/shared/pending-batches';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { metricsOf as transformMetricsOf } from '../../lambdas/transform/metrics';
import { transformStage } from '../../lambdas/transform/transform-stage';
import { ingestBatch, runCycle } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { startTestStack, type TestStack } from '../integration/support/test-stack';

// A manifest names an object that is gone (deleted by hand, a lifecycle rule, a partial restore).
// Each ingest reads no overlap, so a batch holds only its own changes and the batch after a
// parked one cannot bring the parked one's rows along.

let stack: TestStack;
const metrics: MetricPoint<'transform' | 'load'>[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());
beforeEach(() => {
  metrics.length = 0;
});

const transform = () =>
  transformStage({
    landing: stack.landing,
    processed: stack.processed,
    logger: silentLogger,
    workDir: async () => {
      const path = await mkdtemp(join(tmpdir(), 'dlv-adversarial-'));
      return { path, dispose: () => rm(path, { recursive: true, force: true }) };
    },
    // The parked batches' gauge only, as the test heard it before the one `onReport` hook.
    onReport: (report) => {
      if (report.kind === 'parked') metrics.push(...transformMetricsOf(report));
    },
  });

const load = () =>
  loadStage({
    processed: stack.processed,
    warehouse: async () => stack.warehouse,
    logger: silentLogger,
    onReport: (report) => metrics.push(...loadMetricsOf(report)),
  });

/** A batch of new source changes (new staff, orders, payments), landed and nothing more. */
async function landedBatch() {
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 3, paidPayments: 2 }).finally(() =>
    client.release(),
  );
  return ingestBatch(stack, { logger: silentLogger, overlapSeconds: 0 });
}

/**
 * A later batch that does not depend on the parked one: a design renamed and a seeded order
 * changed. (One whose facts refer to rows only the parked batch brings waits for it: the
 * warehouse's foreign keys refuse it until the parked batch is replayed.)
 */
async function independentBatch() {
  await stack.source.query(
    `UPDATE design SET design_name = design_name || ' II', last_updated = now()
      WHERE design_id = (SELECT min(design_id) FROM design)`,
  );
  await stack.source.query(
    `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now()
      WHERE sales_order_id = (SELECT min(sales_order_id) FROM sales_order)`,
  );
  return ingestBatch(stack, { logger: silentLogger, overlapSeconds: 0 });
}

async function status() {
  return collectStatus(localStatusSources(stack));
}

const record = (batchId: string, stage: 'transform' | 'load') =>
  new ObjectStoreRunLog(stack.processed).read(batchId, stage);

describe('an object a manifest names is missing: named, parked, the batches after it go on', () => {
  it('transform: a deleted landing object parks its batch (bucket, key, batch named), the next batch is transformed and loaded, status shows it parked and not as a gap, and a replay after restoring heals', async () => {
    const parked = await landedBatch();
    const landing = await readManifest(stack.landing, parked.manifestKey, parseLandingManifest);
    const key = landing.tables.find((t) => t.table === 'sales_order')!.keys[0]!;
    const bytes = await stack.landing.get(key);
    await stack.landing.delete(key);
    const next = await independentBatch();

    const [run] = await transform().handle([next.manifestKey]);
    expect(run?.batchId).toBe(next.batchId);
    const failed = await record(parked.batchId, 'transform');
    expect(failed).toMatchObject({
      state: 'failure',
      errorKind: 'bad-data',
      missing: { bucket: stack.landing.bucket, key },
    });
    expect(failed?.error).toMatch(
      new RegExp(
        `^Batch ${parked.batchId} parked at transform: s3://${stack.landing.bucket}/${key} does not exist \\(NoSuchKey: .*\\)\\. .*deliverance replay --batch ${parked.batchId}`,
      ),
    );
    expect(metrics).toEqual([{ name: 'ParkedBatches', value: 1 }]);
    expect(await stack.landing.exists(parkedReasonKey(parked.batchId))).toBe(true);
    expect(await pendingTransforms(stack)).toEqual([]);

    const [loaded] = await load().handle([run!.manifestKey]);
    expect(loaded?.skipped).toBe(false);

    const shown = await status();
    expect(shown.parked).toEqual([
      expect.objectContaining({
        batchId: parked.batchId,
        stage: 'transform',
        bucket: stack.landing.bucket,
        key,
      }),
    ]);
    expect(shown.gaps).toEqual([]);
    expect(shown.failures.map((f) => f.batchId)).not.toContain(parked.batchId);
    expect(formatStatusText(shown)).toContain(`parked batches (1)`);

    await stack.landing.put(key, bytes);
    await replayBatch(stack, {
      batchId: parked.batchId,
      stage: 'transform',
      force: false,
      logger: silentLogger,
    });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    expect((await status()).parked).toEqual([]);
  });

  it('load: a deleted Parquet object parks its batch (bucket, key, batch named), the next batch loads, status shows it parked and not as a gap, and a forced re-transform heals', async () => {
    const parked = await landedBatch();
    const processed = await transform().batch(parked.manifestKey);
    const key = processed.manifest!.tables.find((t) => t.table === 'fact_sales_order')!.key;
    await stack.processed.delete(key);
    const next = await independentBatch();
    const [nextRun] = await transform().handle([next.manifestKey]);

    const [loaded] = await load().handle([nextRun!.manifestKey]);
    expect(loaded?.batchId).toBe(next.batchId);
    expect(loaded?.skipped).toBe(false);
    const failed = await record(parked.batchId, 'load');
    expect(failed).toMatchObject({
      state: 'failure',
      missing: { bucket: stack.processed.bucket, key },
    });
    expect(failed?.error).toMatch(
      new RegExp(
        `^Batch ${parked.batchId} parked at load: s3://${stack.processed.bucket}/${key} does not exist .*--stage transform --force`,
      ),
    );
    expect(metrics).toContainEqual({ name: 'ParkedBatches', value: 1 });
    expect(metrics).not.toContainEqual(expect.objectContaining({ name: 'BatchSequenceGap' }));
    expect(await pendingLoads(stack.processed, new PostgresLoadLog(stack.warehouse))).toEqual([]);
    const inWarehouse = await stack.warehouse.query(
      'SELECT 1 FROM etl.load_log WHERE batch_id = $1',
      [parked.batchId],
    );
    expect(inWarehouse.rowCount).toBe(0);

    const shown = await status();
    expect(shown.parked).toEqual([
      expect.objectContaining({ batchId: parked.batchId, stage: 'load', key }),
    ]);
    expect(shown.gaps).toEqual([]);

    await replayBatch(stack, {
      batchId: parked.batchId,
      stage: 'transform',
      force: true,
      logger: silentLogger,
    });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    expect((await status()).parked).toEqual([]);
    expect(
      (await readManifest(stack.processed, processed.manifestKey, parseProcessedManifest)).batchId,
    ).toBe(parked.batchId);
  });

  it("a parked batch's own event is answered, not failed (no retry, no dead letter): one failure record, and each later invocation counts it in the gauge until it is replayed", async () => {
    const parked = await landedBatch();
    const landing = await readManifest(stack.landing, parked.manifestKey, parseLandingManifest);
    const key = landing.tables.find((t) => t.table === 'sales_order')!.keys[0]!;
    const bytes = await stack.landing.get(key);
    await stack.landing.delete(key);

    await expect(transform().handle([parked.manifestKey])).resolves.toEqual([]);
    expect(await record(parked.batchId, 'transform')).toMatchObject({
      state: 'failure',
      missing: { bucket: stack.landing.bucket, key },
    });
    expect(metrics).toEqual([{ name: 'ParkedBatches', value: 1 }]);

    metrics.length = 0;
    const [run] = await transform().handle([(await independentBatch()).manifestKey]);
    await load().handle([run!.manifestKey]);
    // The transform's gauge, then the load's: the batch is parked at the transform only.
    expect(metrics.filter((m) => m.name === 'ParkedBatches')).toEqual([
      { name: 'ParkedBatches', value: 1 },
      { name: 'ParkedBatches', value: 0 },
    ]);
    // Status lists it as long as it is parked, however many runs came since: here none of them
    // is within the days it reads runs back.
    const later = await collectStatus(localStatusSources(stack), {
      now: new Date(Date.now() + 40 * 24 * 3600 * 1000),
    });
    expect(later.runs).toEqual([]);
    expect(later.parked).toEqual([
      expect.objectContaining({ batchId: parked.batchId, stage: 'transform', key }),
    ]);

    await stack.landing.put(key, bytes);
    await replayBatch(stack, {
      batchId: parked.batchId,
      stage: 'transform',
      force: false,
      logger: silentLogger,
    });
    metrics.length = 0;
    const [last] = await transform().handle([(await independentBatch()).manifestKey]);
    await load().handle([last!.manifestKey]);
    expect(metrics.filter((m) => m.name === 'ParkedBatches')).toEqual([
      { name: 'ParkedBatches', value: 0 },
      { name: 'ParkedBatches', value: 0 },
    ]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
  it('purge: a parked batch given up is listed no more, as parked or as a gap, and stays out of the catch-up', async () => {
    const parked = await landedBatch();
    const landing = await readManifest(stack.landing, parked.manifestKey, parseLandingManifest);
    await stack.landing.delete(landing.tables[0]!.keys[0]!);
    const next = await independentBatch();
    const [run] = await transform().handle([next.manifestKey]);
    await load().handle([run!.manifestKey]);
    expect((await status()).parked.map((p) => p.batchId)).toEqual([parked.batchId]);

    expect(await purgeParkedBatch(stack.processed, parked.batchId)).toBe('transform');
    const shown = await status();
    expect(shown.parked).toEqual([]);
    expect(shown.gaps).toEqual([]);
    expect(await record(parked.batchId, 'transform')).toMatchObject({
      state: 'failure',
      purged: expect.any(String),
    });
    expect(await pendingTransforms(stack)).toEqual([]);
    await expect(purgeParkedBatch(stack.processed, next.batchId)).rejects.toThrow(/is not parked/);
    // The gauge its alarm watches counts it no more.
    metrics.length = 0;
    await transform().handle([(await independentBatch()).manifestKey]);
    expect(metrics).toEqual([{ name: 'ParkedBatches', value: 0 }]);
  });
});
