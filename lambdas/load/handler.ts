import type { Pool } from 'pg';
import { BUCKET_ENV, DATABASE_SECRET_ENV } from '../../contract/stage-access';
import { connectionFromSecretsManager } from '../shared/adapters/database-credentials';
import { createPool } from '../shared/adapters/database-pool';
import {
  addMetrics,
  asStageLogger,
  requiredEnv,
  stageHandler,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { sessionBounds } from '../shared/adapters/session-bounds';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { metricsOf } from './metrics';
import { loadStage, type LoadRun } from './stage';

const telemetry = stageTelemetry('load');
const s3 = createS3Client();
/** Migrations run on the container's first invocation only. */
const schema = { migrated: false };

/** Runs on the processed bucket's manifest-created events; each manifest is one batch. */
export const handler = stageHandler(
  telemetry,
  async (event: S3EventLike, context: RemainingTime): Promise<LoadRun[]> => {
    let warehouse: Pool | undefined;
    const load = loadStage({
      processed: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.processed)),
      warehouse: async () =>
        (warehouse = createPool(
          {
            ...(await connectionFromSecretsManager(requiredEnv(DATABASE_SECRET_ENV.warehouse))),
            ...sessionBounds('load', context.getRemainingTimeInMillis()),
          },
          2,
          'warehouse',
        )),
      logger: asStageLogger(telemetry.logger),
      schema,
      invocation: context,
      onBatch: (keys) => telemetry.logger.appendKeys(keys),
      onReport: (report) => addMetrics(telemetry.metrics, metricsOf(report)),
    });
    try {
      return await load.handle(objectKeysOf(event));
    } finally {
      await warehouse?.end();
    }
  },
);
