import { connectionFromSecretsManager } from '../shared/adapters/database-credentials';
import { createPool } from '../shared/adapters/database-pool';
import {
  asStageLogger,
  MetricUnit,
  requiredEnv,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { runLoad, type LoadResult } from './load';
import { migrateWarehouse } from './migrations';

const { logger, metrics } = stageTelemetry('load');
const s3 = createS3Client();
let migrated = false;

/** Runs on the processed bucket's manifest-created events; each manifest is one batch. */
export async function handler(event: S3EventLike): Promise<LoadResult[]> {
  const processed = new S3ObjectStore(s3, requiredEnv('PROCESSED_BUCKET'));
  const warehouse = createPool(
    await connectionFromSecretsManager(requiredEnv('WAREHOUSE_SECRET_ID')),
    2,
  );
  const results: LoadResult[] = [];
  try {
    if (!migrated) {
      const client = await warehouse.connect();
      try {
        const applied = await migrateWarehouse(client);
        if (applied.length > 0) logger.info('Migrated the warehouse', { applied });
      } finally {
        client.release();
      }
      migrated = true;
    }
    for (const manifestKey of objectKeysOf(event)) {
      const started = Date.now();
      logger.appendKeys({ manifestKey });
      const result = await runLoad({
        processed,
        warehouse,
        logger: asStageLogger(logger),
        manifestKey,
      });
      metrics.addMetric(
        'RowsLoaded',
        MetricUnit.Count,
        result.tables.reduce((s, t) => s + t.written, 0),
      );
      metrics.addMetric('StageDurationMs', MetricUnit.Milliseconds, Date.now() - started);
      if (result.completeUpTo && !result.skipped) {
        const freshness = (Date.now() - Date.parse(result.completeUpTo)) / 1000;
        metrics.addMetric('WarehouseFreshnessSeconds', MetricUnit.Seconds, Math.max(0, freshness));
      }
      results.push(result);
    }
    return results;
  } catch (error) {
    logger.error('Load failed', error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    await warehouse.end();
  }
}
