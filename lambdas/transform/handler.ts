import { tmpdir } from 'node:os';
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
import type { RemainingTime } from '../shared/ports/remaining-time';
import { metricsOf, parkedMetricsOf } from './metrics';
import { transformStage, type TransformRun } from './stage';

const telemetry = stageTelemetry('transform');
const s3 = createS3Client();

/** Runs on the landing bucket's manifest-created events; each manifest is one batch. */
export const handler = stageHandler(
  telemetry,
  (event: S3EventLike, context: RemainingTime): Promise<TransformRun[]> =>
    transformStage({
      landing: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.landing)),
      processed: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.processed)),
      logger: asStageLogger(telemetry.logger),
      // One run at a time (reserved concurrency 1), and the outputs remove their files.
      workDir: async () => ({ path: tmpdir(), dispose: async () => undefined }),
      invocation: context,
      onBatch: (keys) => telemetry.logger.appendKeys(keys),
      onRun: (run) => addMetrics(telemetry.metrics, metricsOf(run)),
      onParked: (batchIds) => addMetrics(telemetry.metrics, parkedMetricsOf(batchIds)),
    }).handle(objectKeysOf(event)),
);
