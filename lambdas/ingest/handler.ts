import { BUCKET_ENV, PARAMETER_PREFIX_ENV } from '../../contract/stage-access';
import { LambdaSelfInvoker } from '../shared/adapters/lambda-self-invoker';
import {
  requiredEnv,
  stageHandler,
  stageHooks,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { ingestStage, type IngestEvent, type IngestRun } from './ingest-stage';
import { metricsOf } from './metrics';

const telemetry = stageTelemetry('ingest');
const s3 = createS3Client();

/** Runs on the schedule's events, and on its own when a run left a backlog. */
export const handler = stageHandler(
  telemetry,
  async (
    event: IngestEvent | undefined,
    context: RemainingTime & { readonly functionName: string },
  ): Promise<IngestRun> => {
    const source = stageDatabase('source', 'ingest', context, 4);
    try {
      return await ingestStage({
        landing: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.landing)),
        source: source.open,
        watermarks: new SsmWatermarkStore(requiredEnv(PARAMETER_PREFIX_ENV)),
        overlapSeconds: Number(process.env.OVERLAP_SECONDS ?? '300'),
        maxBatchRows: Number(requiredEnv('MAX_BATCH_ROWS')),
        futureToleranceSeconds: Number(requiredEnv('FUTURE_TOLERANCE_SECONDS')),
        continueWith: new LambdaSelfInvoker(context.functionName),
        ...stageHooks(telemetry, metricsOf),
      }).handle(event);
    } finally {
      await source.end();
    }
  },
);
