import type { Pool } from 'pg';
import { connectionFromSecretsManager } from '../shared/adapters/database-credentials';
import { createPool } from '../shared/adapters/database-pool';
import {
  asStageLogger,
  MetricUnit,
  requiredEnv,
  stageTelemetry,
} from '../shared/adapters/powertools';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import { sessionBounds } from '../shared/adapters/session-bounds';
import { batchIdFromManifestKey } from '../shared/core/batch';
import { ReconciliationError } from '../shared/core/reconcile';
import { catchUp } from '../shared/catch-up';
import { pendingLoads } from '../shared/pending-batches';
import { loadedTables, recordStageRun } from '../shared/run-recording';
import { ScopedObjectStore } from '../shared/scoped-object-store';
import { analystPasswordSync } from './analyst-role';
import { aloneInWarehouse } from './catch-up-lock';
import { runLoad, type LoadResult } from './load';
import { migrateWarehouse } from './migrations';
import { batchReconciler } from './reconciliation';

const { logger, metrics } = stageTelemetry('load');
const s3 = createS3Client();
let migrated = false;
// Set when the stack has an analyst secret (QuickSight on): its password becomes the role's.
const syncAnalystPassword =
  process.env.ANALYST_SECRET_ID && analystPasswordSync(process.env.ANALYST_SECRET_ID);

async function migrateOnce(warehouse: Pool): Promise<void> {
  if (migrated) return;
  const client = await warehouse.connect();
  try {
    const applied = await migrateWarehouse(client);
    if (applied.length > 0) logger.info('Migrated the warehouse', { applied });
  } finally {
    client.release();
  }
  migrated = true;
}

/**
 * Runs on the processed bucket's manifest-created events; each manifest is one batch. Earlier
 * batches still unloaded (their events dead-lettered in an outage) go first.
 */
export async function handler(event: S3EventLike, context: RemainingTime): Promise<LoadResult[]> {
  const processed = new ScopedObjectStore(
    new S3ObjectStore(s3, requiredEnv('PROCESSED_BUCKET')),
    'load',
    'processed',
  );
  // Reconciliation reads the landing manifest; a stack without the variable loads unchecked.
  const landingBucket = process.env.LANDING_BUCKET;
  const landing = landingBucket
    ? new ScopedObjectStore(new S3ObjectStore(s3, landingBucket), 'load', 'landing')
    : undefined;
  const runLog = new ObjectStoreRunLog(processed);
  const stageLogger = asStageLogger(logger);
  let warehouse: Pool | undefined;
  let analystChecked = false;
  const openWarehouse = async () => {
    warehouse ??= createPool(
      {
        ...(await connectionFromSecretsManager(requiredEnv('WAREHOUSE_SECRET_ID'))),
        ...sessionBounds('load', context.getRemainingTimeInMillis()),
      },
      2,
      'warehouse',
    );
    await migrateOnce(warehouse);
    if (syncAnalystPassword && !analystChecked) {
      if (await syncAnalystPassword(warehouse)) logger.info("Set the analyst role's password");
      analystChecked = true;
    }
    return warehouse;
  };
  // The newest source time a batch of this invocation completed the warehouse up to: one
  // freshness reading per invocation, of the warehouse as the invocation leaves it, however
  // many older batches it caught up on the way.
  let completeUpTo: string | undefined;
  const loadOne = async (manifestKey: string) => {
    const started = Date.now();
    const batchId = batchIdFromManifestKey(manifestKey);
    logger.appendKeys({ manifestKey, batchId });
    let landedAt: number | undefined;
    const load = async () => {
      const pool = await openWarehouse();
      return runLoad({
        processed,
        warehouse: pool,
        logger: stageLogger,
        manifestKey,
        reconcile:
          landing &&
          batchReconciler({
            landing,
            processed,
            warehouse: pool,
            logger: stageLogger,
            onLanded: (manifest) => (landedAt = Date.parse(manifest.startedAt)),
            onGaps: (gaps) => metrics.addMetric('BatchSequenceGap', MetricUnit.Count, gaps.length),
          }),
      });
    };
    let result: LoadResult;
    try {
      result = await recordStageRun(
        {
          runLog,
          logger: stageLogger,
          batchId,
          stage: 'load',
          tablesOf: (r: LoadResult) => loadedTables(r.tables),
          skippedOf: (r) => r.skipped,
        },
        load,
      );
    } catch (error) {
      if (error instanceof ReconciliationError) {
        metrics.addMetric('ReconciliationMismatch', MetricUnit.Count, 1);
      }
      throw error;
    }
    metrics.addMetric(
      'RowsLoaded',
      MetricUnit.Count,
      result.tables.reduce((s, t) => s + t.written, 0),
    );
    metrics.addMetric('StageDurationMs', MetricUnit.Milliseconds, Date.now() - started);
    if (!result.skipped) {
      if (result.completeUpTo && (!completeUpTo || result.completeUpTo > completeUpTo)) {
        completeUpTo = result.completeUpTo;
      }
      if (landedAt !== undefined) {
        const lag = (Date.now() - landedAt) / 1000;
        metrics.addMetric('BatchLagSeconds', MetricUnit.Seconds, Math.max(0, lag));
      }
    }
    return result;
  };
  const results: LoadResult[] = [];
  try {
    if (!landing) logger.warn('LANDING_BUCKET is not set: batches are not reconciled with landing');
    for (const manifestKey of objectKeysOf(event)) {
      const before = batchIdFromManifestKey(manifestKey);
      // A key that names no batch owes nothing before it; the stage refuses it.
      if (before) {
        await catchUp({
          stage: 'load',
          logger: stageLogger,
          pending: async () => pendingLoads(processed, await openWarehouse(), { before }),
          run: loadOne,
          invocation: context,
          alone: async (drain) => aloneInWarehouse(await openWarehouse(), drain),
        });
      }
      results.push(await loadOne(manifestKey));
    }
    return results;
  } catch (error) {
    logger.error('Load failed', error as Error);
    throw error;
  } finally {
    if (completeUpTo) {
      const freshness = (Date.now() - Date.parse(completeUpTo)) / 1000;
      metrics.addMetric('WarehouseFreshnessSeconds', MetricUnit.Seconds, Math.max(0, freshness));
    }
    metrics.publishStoredMetrics();
    await warehouse?.end();
  }
}
