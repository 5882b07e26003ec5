import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest, type IngestResult } from '../lambdas/ingest/ingest';
import { runLoad, type LoadResult } from '../lambdas/load/load';
import { migrateWarehouse } from '../lambdas/load/migrations';
import type { SourceTableName } from '../lambdas/shared/core/catalogue';
import type { StageLogger } from '../lambdas/shared/ports/stage-logger';
import { runTransform, type TransformResult } from '../lambdas/transform/transform';
import type { PipelineContext } from './pipeline-context';

export interface CycleOptions {
  readonly logger: StageLogger;
  readonly overlapSeconds: number;
  readonly tables?: readonly SourceTableName[];
}

export interface StageTiming {
  readonly seconds: number;
}

export interface CycleResult {
  readonly ingest: IngestResult & StageTiming;
  readonly transform: TransformResult & StageTiming;
  readonly load: LoadResult & StageTiming;
}

async function timed<T>(work: () => Promise<T>): Promise<T & StageTiming> {
  const started = performance.now();
  const result = await work();
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

/** Brings the warehouse schema up to date, as the load Lambda does on a cold start. */
export async function migrateLocalWarehouse(context: PipelineContext): Promise<string[]> {
  const client = await context.warehouse.connect();
  try {
    return await migrateWarehouse(client);
  } finally {
    client.release();
  }
}

/**
 * One cycle, locally: the same stage functions the Lambdas run, handed from one to the next
 * by manifest key as the S3 events would hand them.
 */
export async function runCycle(
  context: PipelineContext,
  options: CycleOptions,
): Promise<CycleResult> {
  await migrateLocalWarehouse(context);
  const ingest = await timed(() =>
    runIngest({
      source: context.source,
      landing: context.landing,
      watermarks: context.watermarks,
      logger: options.logger,
      overlapSeconds: options.overlapSeconds,
      tables: options.tables,
    }),
  );
  const transform = await transformBatch(context, ingest.manifestKey, options.logger);
  const load = await loadBatch(context, transform.manifestKey, options.logger);
  return { ingest, transform, load };
}

export async function transformBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
): Promise<TransformResult & StageTiming> {
  const workDir = await mkdtemp(join(tmpdir(), 'dlv-transform-'));
  try {
    return await timed(() =>
      runTransform({
        landing: context.landing,
        processed: context.processed,
        logger,
        manifestKey,
        workDir,
      }),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export function loadBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
): Promise<LoadResult & StageTiming> {
  return timed(() =>
    runLoad({ processed: context.processed, warehouse: context.warehouse, logger, manifestKey }),
  );
}
