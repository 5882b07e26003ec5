import { connectionFromSecretsManager } from '../shared/adapters/database-credentials';
import { createPool } from '../shared/adapters/database-pool';
import {
  asStageLogger,
  MetricUnit,
  requiredEnv,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { SsmWatermarkStore } from '../shared/adapters/ssm-watermark-store';
import { isSourceTableName, type SourceTableName } from '../shared/core/catalogue';
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

export async function handler(event: IngestEvent | undefined): Promise<IngestResult> {
  const started = Date.now();
  const source = createPool(await connectionFromSecretsManager(requiredEnv('SOURCE_SECRET_ID')), 4);
  try {
    const result = await runIngest({
      source,
      landing: new S3ObjectStore(s3, requiredEnv('LANDING_BUCKET')),
      watermarks: new SsmWatermarkStore(requiredEnv('WATERMARK_PARAMETER_PREFIX')),
      logger: asStageLogger(logger),
      overlapSeconds: Number(process.env.OVERLAP_SECONDS ?? '300'),
      tables: tablesOf(event),
    });
    const rows = result.manifest.tables.reduce((sum, t) => sum + t.rows, 0);
    metrics.addMetric('RowsIngested', MetricUnit.Count, rows);
    metrics.addMetric('IngestSucceeded', MetricUnit.Count, 1);
    metrics.addMetric('StageDurationMs', MetricUnit.Milliseconds, Date.now() - started);
    return result;
  } catch (error) {
    logger.error('Ingest failed', error as Error);
    throw error;
  } finally {
    metrics.publishStoredMetrics();
    await source.end();
  }
}
