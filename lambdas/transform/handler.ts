import { tmpdir } from 'node:os';
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
import { catchUp } from '../shared/catch-up';
import { batchIdFromManifestKey } from '../shared/core/batch';
import { pendingTransforms } from '../shared/pending-batches';
import { processedTables, recordStageRun } from '../shared/run-recording';
import { stageStores } from '../shared/scoped-object-store';
import { runTransform, type TransformResult } from './transform';

const { logger, metrics } = stageTelemetry('transform');
const s3 = createS3Client();

/**
 * Runs on the landing bucket's manifest-created events; each manifest is one batch. Earlier
 * batches still untransformed (their events dead-lettered in an outage) go first.
 */
export async function handler(
  event: S3EventLike,
  context: RemainingTime,
): Promise<TransformResult[]> {
  const stores = stageStores('transform', {
    landing: new S3ObjectStore(s3, requiredEnv('LANDING_BUCKET')),
    processed: new S3ObjectStore(s3, requiredEnv('PROCESSED_BUCKET')),
  });
  const { landing, processed } = stores;
  const runLog = new ObjectStoreRunLog(processed);
  const stageLogger = asStageLogger(logger);
  const transformOne = async (manifestKey: string) => {
    const started = Date.now();
    const batchId = batchIdFromManifestKey(manifestKey);
    logger.appendKeys({ manifestKey, batchId });
    const result = await recordStageRun(
      {
        runLog,
        logger: stageLogger,
        batchId,
        stage: 'transform',
        tablesOf: (r: TransformResult) => processedTables(r.manifest),
        skippedOf: (r) => r.skipped,
      },
      () =>
        runTransform({
          landing,
          processed,
          logger: stageLogger,
          manifestKey,
          workDir: tmpdir(),
        }),
    );
    const rows = result.manifest?.tables.reduce((sum, t) => sum + t.rows, 0) ?? 0;
    metrics.addMetric('RowsTransformed', MetricUnit.Count, rows);
    metrics.addMetric(
      'QuarantinedObjects',
      MetricUnit.Count,
      result.manifest?.quarantined.length ?? 0,
    );
    metrics.addMetric('StageDurationMs', MetricUnit.Milliseconds, Date.now() - started);
    return result;
  };
  const results: TransformResult[] = [];
  try {
    for (const manifestKey of objectKeysOf(event)) {
      const before = batchIdFromManifestKey(manifestKey);
      // A key that names no batch owes nothing before it; the stage refuses it.
      if (before) {
        await catchUp({
          stage: 'transform',
          logger: stageLogger,
          pending: () => pendingTransforms(stores, { before }),
          run: transformOne,
          invocation: context,
        });
      }
      results.push(await transformOne(manifestKey));
    }
    return results;
  } catch (error) {
    logger.error('Transform failed', error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
}
