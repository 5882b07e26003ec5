import { LambdaSelfInvoker } from '../shared/adapters/lambda-self-invoker';
import {
  addMetrics,
  asStageLogger,
  stageHandler,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import { readStageSettings } from '../shared/adapters/stage-settings';
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
    const settings = readStageSettings('ingest', process.env);
    // Cut here rather than in the stage so every log line of the invocation carries it.
    const batchId = newBatchId(new Date());
    telemetry.logger.appendKeys({ batchId });
    const source = stageDatabase(() => settings.databases.source, 'ingest', context, 4);
    const ingest = ingestStage({
      landing: new S3ObjectStore(s3, settings.buckets.landing),
      source: source.open,
      watermarks: new SsmWatermarkStore(settings.parameterPrefix),
      logger: asStageLogger(telemetry.logger),
      ...settings.tunings,
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
