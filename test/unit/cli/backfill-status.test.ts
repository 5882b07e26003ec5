import { collectStatus, watermarkText } from '../../../cli/status/pipeline-status';
import { ObjectStoreRunLog } from '../../../lambdas/shared/adapters/s3-run-log';
import { newBatchId } from '../../../lambdas/shared/core/batch';
import type { LandingManifest } from '../../../lambdas/shared/core/manifest';
import { landedTables } from '../../../lambdas/shared/run-recording';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { MemoryWatermarkStore } from '../../support/fakes/memory-watermark-store';

const STARTED = new Date('2026-11-23T04:34:51.123Z');
const BATCH = newBatchId(STARTED, () => 0.5);
const UP_TO = { lastUpdated: '2026-11-20T08:00:00.000000Z', key: 500_000 };

/** Watermarks that put sales_order part-way through a backfill, up to UP_TO. */
const watermarks = new MemoryWatermarkStore();
watermarks.marks.set(
  'sales_order',
  JSON.stringify({ through: null, until: '2026-11-23T04:34:51.000000Z', after: UP_TO }),
);

/** Status after one capped ingest whose manifest says what sales_order left, and how it knows. */
async function statusAfterCappedBatch(remainingEstimated: boolean) {
  const manifest: LandingManifest = {
    kind: 'landing',
    version: 1,
    batchId: BATCH,
    startedAt: STARTED.toISOString(),
    finishedAt: STARTED.toISOString(),
    tables: [
      {
        table: 'sales_order',
        keys: [`sales_order/${BATCH}.jsonl`],
        rows: 500_000,
        bytes: 90_000_000,
        from: null,
        to: '2026-11-23T04:34:51.000000Z',
        newest: UP_TO.lastUpdated,
        upTo: UP_TO,
        remaining: 9_400_000,
        remainingEstimated,
      },
    ],
  };
  const landing = memoryObjectStore('landing');
  await new ObjectStoreRunLog(landing).write({
    batchId: BATCH,
    stage: 'ingest',
    state: 'success',
    startedAt: STARTED.toISOString(),
    finishedAt: new Date(STARTED.getTime() + 5_000).toISOString(),
    tables: landedTables(manifest),
    error: null,
  });
  const processed = memoryObjectStore('processed');
  return (await collectStatus({ landing, processed, watermarks }, { now: STARTED })).tables
    .sales_order!;
}

describe('a backfill in status', () => {
  it.each([
    [true, 'backfill: about 9,400,000 rows behind, about 2 min left'],
    [false, 'backfill: 9,400,000 rows behind, about 2 min left'],
  ])(
    'carries whether the rows behind are the planner’s estimate (%s) from the manifest through the run log',
    async (estimated, text) => {
      const table = await statusAfterCappedBatch(estimated);
      expect(table.backfill).toMatchObject({
        rowsBehind: 9_400_000,
        rowsBehindEstimated: estimated,
      });
      expect(watermarkText(table)).toBe(`${text} (landed up to ${UP_TO.lastUpdated})`);
    },
  );
});
