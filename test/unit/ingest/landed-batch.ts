import type { IngestResult } from '../../../lambdas/ingest/ingest';
import type { LandedTable } from '../../../lambdas/shared/core/manifest';

/** The batch id every ingest unit test lands under. */
export const BATCH = '20261123T043451123Z-3f9a1c';

const CURSOR = { lastUpdated: '2026-11-23T04:30:00.000000Z', key: 41 };

/** A table of the batch: `rows` landed, capped (`upTo`) or finishing a backfill (`after`). */
export function landedTable(
  name: LandedTable['table'],
  rows: number,
  shape: 'complete' | 'capped' | 'backfill-finished' = 'complete',
): LandedTable {
  return {
    table: name,
    keys: rows > 0 ? [`${name}/${BATCH}.jsonl`] : [],
    rows,
    bytes: rows * 100,
    from: null,
    to: '2026-11-23T04:34:51.000000Z',
    newest: rows > 0 ? '2026-11-23T04:30:00.000000Z' : null,
    ...(shape === 'capped' ? { upTo: CURSOR, remaining: 1200 } : {}),
    ...(shape === 'backfill-finished' ? { after: CURSOR } : {}),
  };
}

/** What one ingest run returns: its landing manifest over `tables`, and what it removed. */
export function ingestResult(
  tables: LandedTable[],
  change: Partial<Pick<IngestResult, 'caughtUp' | 'removed' | 'schema'>> = {},
): IngestResult {
  return {
    batchId: BATCH,
    manifestKey: `manifests/${BATCH}.json`,
    manifest: {
      kind: 'landing',
      version: 1,
      batchId: BATCH,
      startedAt: '2026-11-23T04:34:51.123Z',
      finishedAt: '2026-11-23T04:34:52.456Z',
      tables,
    },
    removed: { batchIds: [], keys: [] },
    caughtUp: true,
    schema: { stopped: [], held: [], changes: [] },
    futureStamped: [],
    ...change,
  };
}
