import { BUCKET_ENV } from '../../contract/stage-access';
import {
  addMetrics,
  asStageLogger,
  requiredEnv,
  stageHandler,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
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
    const warehouse = stageDatabase('warehouse', 'load', context, 2);
    const load = loadStage({
      processed: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.processed)),
      warehouse: warehouse.open,
      logger: asStageLogger(telemetry.logger),
      schema,
      invocation: context,
      onBatch: (keys) => telemetry.logger.appendKeys(keys),
      onReport: (report) => addMetrics(telemetry.metrics, metricsOf(report)),
    });
    try {
      return await load.handle(objectKeysOf(event));
    } finally {
      await warehouse.end();
    }
  },
);
