import { LambdaSelfInvoker } from '../shared/adapters/lambda-self-invoker';
import { stageHandler, stageHooks, stageTelemetry } from '../shared/adapters/powertools';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import { readStageSettings } from '../shared/adapters/stage-settings';
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
    const settings = readStageSettings('ingest', process.env);
    const source = stageDatabase(() => settings.databases.source, 'ingest', context, 4);
    // Read only, one connection: the deletes reconciliation compares its keys with the source's.
    const warehouse = stageDatabase(() => settings.databases.warehouse, 'ingest', context, 1);
    const watermarks = new SsmWatermarkStore(settings.parameterPrefix);
    try {
      return await ingestStage({
        landing: new S3ObjectStore(s3, settings.buckets.landing),
        source: source.open,
        warehouse: warehouse.open,
        watermarks,
        deletesState: watermarks,
        ...settings.tunings,
        schemaContract: settings.schemaContract,
        deletesSchedule: settings.deletes.schedule,
        deletesGuardPercent: settings.deletes.guardPercent,
        continueWith: new LambdaSelfInvoker(context.functionName),
        ...stageHooks(telemetry, metricsOf),
      }).handle(event);
    } finally {
      await Promise.all([source.end(), warehouse.end()]);
    }
  },
);
