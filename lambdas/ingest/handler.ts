import type { Pool } from 'pg';
import { connectionFromSecretsManager } from '../shared/adapters/database-credentials';
import { createPool } from '../shared/adapters/database-pool';
import {
  asStageLogger,
  MetricUnit,
  requiredEnv,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { LambdaSelfInvoker } from '../shared/adapters/lambda-self-invoker';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import { sessionBounds } from '../shared/adapters/session-bounds';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { newBatchId } from '../shared/core/batch';
import { isSourceTableName, type SourceTableName } from '../shared/core/catalogue';
import { landedTables, recordStageRun } from '../shared/run-recording';
import { ScopedObjectStore } from '../shared/scoped-object-store';
import { continueBacklog } from './backlog';
import { runIngest, type IngestResult } from './ingest';

const { logger, metrics } = stageTelemetry('ingest');
const s3 = createS3Client();

/** The schedule may name the tables it is for; without a list every table is read. */
interface IngestEvent {
  tables?: string[];
}

function tablesOf(event: IngestEvent | undefined): SourceTableName[] | undefined {
  if (!event?.tables) return undefined;
  const unknown = event.tables.filter((t) => !isSourceTableName(t));
  if (unknown.length > 0)
    throw new Error(`The ingest event names unknown tables: ${unknown.join(', ')}`);
  return event.tables as SourceTableName[];
}

export async function handler(
  event: IngestEvent | undefined,
  context: RemainingTime & { readonly functionName: string },
): Promise<IngestResult> {
  const started = Date.now();
  // Cut here rather than inside runIngest so every log line and the run record carry it.
  const batchId = newBatchId(new Date(started));
  logger.appendKeys({ batchId });
  const landing = new ScopedObjectStore(
    new S3ObjectStore(s3, requiredEnv('LANDING_BUCKET')),
    'ingest',
    'landing',
  );
  const stageLogger = asStageLogger(logger);
  let source: Pool | undefined;
  try {
    const result = await recordStageRun(
      {
        runLog: new ObjectStoreRunLog(landing),
        logger: stageLogger,
        batchId,
        stage: 'ingest',
        tablesOf: (r: IngestResult) => landedTables(r.manifest),
      },
      async () => {
        const tables = tablesOf(event);
        source = createPool(
          {
            ...(await connectionFromSecretsManager(requiredEnv('SOURCE_SECRET_ID'))),
            ...sessionBounds('ingest', context.getRemainingTimeInMillis()),
          },
          4,
          'source',
        );
        return runIngest({
          source,
          landing,
          watermarks: new SsmWatermarkStore(requiredEnv('WATERMARK_PARAMETER_PREFIX')),
          logger: stageLogger,
          overlapSeconds: Number(process.env.OVERLAP_SECONDS ?? '300'),
          maxBatchRows: Number(requiredEnv('MAX_BATCH_ROWS')),
          tables,
          batchId,
        });
      },
    );
    const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    metrics.addMetric('RowsIngested', MetricUnit.Count, rows);
    metrics.addMetric('IngestSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('UnfinishedObjectsRemoved', MetricUnit.Count, result.removed.keys.length);
    metrics.addMetric('StageDurationMs', MetricUnit.Milliseconds, Date.now() - started);
    const backlog = await continueBacklog(
      result,
      event ?? {},
      new LambdaSelfInvoker(context.functionName),
      stageLogger,
    );
    if (backlog === 'next-batch-started') {
      metrics.addMetric('BacklogBatchStarted', MetricUnit.Count, 1);
    }
    return result;
  } catch (error) {
    logger.error('Ingest failed', error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    await source?.end();
  }
}
