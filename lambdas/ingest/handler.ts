import { BUCKET_ENV, PARAMETER_PREFIX_ENV } from '../../contract/stage-access';
import { LambdaSelfInvoker } from '../shared/adapters/lambda-self-invoker';
import {
  addMetrics,
  asStageLogger,
  requiredEnv,
  stageHandler,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import { newBatchId } from '../shared/core/batch';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { metricsOf } from './metrics';
import { ingestStage, type IngestEvent, type IngestRun } from './stage';

const telemetry = stageTelemetry('ingest');
const s3 = createS3Client();

export const handler = stageHandler(
  telemetry,
  async (
    event: IngestEvent | undefined,
    context: RemainingTime & { readonly functionName: string },
  ): Promise<IngestRun> => {
    // Cut here rather than in the stage so every log line of the invocation carries it.
    const batchId = newBatchId(new Date());
    telemetry.logger.appendKeys({ batchId });
    const source = stageDatabase('source', 'ingest', context, 4);
    const ingest = ingestStage({
      landing: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.landing)),
      source: source.open,
      watermarks: new SsmWatermarkStore(requiredEnv(PARAMETER_PREFIX_ENV)),
      logger: asStageLogger(telemetry.logger),
      overlapSeconds: Number(process.env.OVERLAP_SECONDS ?? '300'),
      maxBatchRows: Number(requiredEnv('MAX_BATCH_ROWS')),
      futureToleranceSeconds: Number(requiredEnv('FUTURE_TOLERANCE_SECONDS')),
      continueWith: new LambdaSelfInvoker(context.functionName),
    });
    try {
      const run = await ingest(event, batchId);
      addMetrics(telemetry.metrics, metricsOf(run));
      return run;
    } finally {
      await source.end();
    }
  },
);
