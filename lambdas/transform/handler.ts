import { tmpdir } from 'node:os';
import { stageHandler, stageHooks, stageTelemetry } from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { readStageSettings } from '../shared/adapters/stage-settings';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { metricsOf } from './metrics';
import { transformStage, type TransformRun } from './transform-stage';

const telemetry = stageTelemetry('transform');
const s3 = createS3Client();

/** Runs on the landing bucket's manifest-created events; each manifest is one batch. */
export const handler = stageHandler(
  telemetry,
  (event: S3EventLike, context: RemainingTime): Promise<TransformRun[]> => {
    const settings = readStageSettings('transform', process.env);
    return transformStage({
      landing: new S3ObjectStore(s3, settings.buckets.landing),
      processed: new S3ObjectStore(s3, settings.buckets.processed),
      // One run at a time (reserved concurrency 1), and the outputs remove their files.
      workDir: async () => ({ path: tmpdir(), dispose: async () => undefined }),
      invocation: context,
      ...stageHooks(telemetry, metricsOf),
    }).handle(objectKeysOf(event));
  },
);
