import { startLocalStack, type LocalStack } from '../local/local-stack';
import { openPipeline, type PipelineContext } from '../local/pipeline-context';
import type { CliSettings } from './settings';

export interface Environment extends PipelineContext {
  readonly sourceUrl: string;
  readonly warehouseUrl: string;
  readonly stack: LocalStack | undefined;
  stop(): Promise<void>;
}

/**
 * The databases and buckets a command works on: those the settings name, and an embedded
 * server under the state folder for each one they leave out.
 */
export async function openEnvironment(
  settings: CliSettings,
  uses: { s3: boolean } = { s3: true },
): Promise<Environment> {
  const needsPostgres = !settings.sourceUrl || !settings.warehouseUrl;
  const needsS3 = uses.s3 && !settings.s3Endpoint;
  const stack =
    needsPostgres || needsS3
      ? await startLocalStack(settings.stateDir, { postgres: needsPostgres, s3: needsS3 })
      : undefined;
  const sourceUrl = settings.sourceUrl ?? stack?.postgres?.url('totesys');
  const warehouseUrl = settings.warehouseUrl ?? stack?.postgres?.url('warehouse');
  const s3 = settings.s3Endpoint
    ? { url: settings.s3Endpoint, region: process.env.AWS_REGION ?? 'us-east-1' }
    : (stack?.s3?.endpoint ?? {});
  if (!sourceUrl || !warehouseUrl) throw new Error('The local stack did not start');
  const context = openPipeline({ sourceUrl, warehouseUrl, stateDir: settings.stateDir, s3 });
  return {
    ...context,
    sourceUrl,
    warehouseUrl,
    stack,
    async stop() {
      await context.close();
      await stack?.stop();
    },
  };
}
