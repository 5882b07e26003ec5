import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest, type IngestResult } from '../lambdas/ingest/ingest';
import { runLoad, type LoadResult } from '../lambdas/load/load';
import { aloneInWarehouse } from '../lambdas/load/catch-up-lock';
import { migrateWarehouse } from '../lambdas/load/migrations';
import { batchReconciler } from '../lambdas/load/reconciliation';
import { ObjectStoreRunLog } from '../lambdas/shared/adapters/s3-run-log';
import { catchUp } from '../lambdas/shared/catch-up';
import { batchIdFromManifestKey, newBatchId } from '../lambdas/shared/core/batch';
import type { SourceTableName } from '../lambdas/shared/core/catalogue';
import { pendingLoads, pendingTransforms } from '../lambdas/shared/pending-batches';
import type { StageLogger } from '../lambdas/shared/ports/stage-logger';
import {
  landedTables,
  loadedTables,
  processedTables,
  recordStageRun,
  type StageRunOptions,
} from '../lambdas/shared/run-recording';
import { stageStores } from '../lambdas/shared/scoped-object-store';
import { runTransform, type TransformResult } from '../lambdas/transform/transform';
import { BackfillProgress } from './backfill-progress';
import type { PipelineContext } from './pipeline-context';

export interface CycleOptions {
  readonly logger: StageLogger;
  readonly overlapSeconds: number;
  readonly tables?: readonly SourceTableName[];
  /** Rows per source table per batch (see runIngest). Unbounded by default. */
  readonly maxBatchRows?: number;
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
 * by manifest key as the S3 events would hand them, each recorded in the run log as the
 * handlers record it.
 */
export async function runCycle(
  context: PipelineContext,
  options: CycleOptions,
): Promise<CycleResult> {
  await migrateLocalWarehouse(context);
  await catchUpLocally(context, options.logger);
  const ingest = await ingestBatch(context, options);
  const transform = await transformBatch(context, ingest.manifestKey, options.logger);
  const load = await loadBatch(context, transform.manifestKey, options.logger);
  return { ingest, transform, load };
}

/**
 * Cycles until every table is caught up: a table more than `maxBatchRows` behind drains batch
 * after batch without waiting, as the ingest Lambda re-invokes itself in AWS. `onCycle` hears
 * each cycle with the backfill's progress so far.
 */
export async function runUntilCaughtUp(
  context: PipelineContext,
  options: CycleOptions,
  onCycle: (cycle: CycleResult, progress: BackfillProgress) => void = () => undefined,
): Promise<CycleResult[]> {
  const progress = new BackfillProgress();
  const cycles: CycleResult[] = [];
  for (;;) {
    const cycle = await runCycle(context, options);
    cycles.push(cycle);
    progress.add(cycle.ingest);
    onCycle(cycle, progress);
    if (cycle.ingest.caughtUp) return cycles;
  }
}

/**
 * Finishes the batches an earlier, killed run left half done, as the Lambdas do before their
 * event's batch: transforms first, then loads (those just transformed included), oldest first.
 * A local run has no event queue to retry a stage, so a batch that fails here fails the cycle.
 */
async function catchUpLocally(context: PipelineContext, logger: StageLogger): Promise<void> {
  const transforms = await catchUp({
    stage: 'transform',
    logger,
    pending: () => pendingTransforms(stageStores('transform', context)),
    run: (key) => transformBatch(context, key, logger),
  });
  if (transforms.failure) throw transforms.failure.error;
  const loads = await catchUp({
    stage: 'load',
    logger,
    pending: () => pendingLoads(stageStores('load', context).processed, context.warehouse),
    run: (key) => loadBatch(context, key, logger),
    alone: (drain) => aloneInWarehouse(context.warehouse, drain),
  });
  if (loads.failure) throw loads.failure.error;
}

/** One ingest run under a fresh batch id, recorded in the landing bucket's run log. */
export function ingestBatch(
  context: PipelineContext,
  options: CycleOptions,
): Promise<IngestResult & StageTiming> {
  const batchId = newBatchId(new Date());
  const { landing } = stageStores('ingest', context);
  return recordStageRun(
    {
      runLog: new ObjectStoreRunLog(landing),
      logger: options.logger,
      batchId,
      stage: 'ingest',
      tablesOf: (r: IngestResult) => landedTables(r.manifest),
    },
    () =>
      timed(() =>
        runIngest({
          source: context.source,
          landing,
          watermarks: context.watermarks,
          logger: options.logger,
          overlapSeconds: options.overlapSeconds,
          tables: options.tables,
          maxBatchRows: options.maxBatchRows,
          batchId,
        }),
      ),
  );
}

/** Records a stage run under the batch its manifest key names. */
function recorded<T>(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
  stage: 'transform' | 'load',
  summary: Pick<StageRunOptions<T>, 'tablesOf' | 'skippedOf'>,
  work: () => Promise<T>,
): Promise<T> {
  return recordStageRun(
    {
      runLog: new ObjectStoreRunLog(stageStores(stage, context).processed),
      logger,
      batchId: batchIdFromManifestKey(manifestKey),
      stage,
      ...summary,
    },
    work,
  );
}

/** Options of a stage run beyond the batch: `force` redoes a batch already done (replay). */
export interface BatchRunOptions {
  readonly force?: boolean;
}

export async function transformBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
  options: BatchRunOptions = {},
): Promise<TransformResult & StageTiming> {
  const workDir = await mkdtemp(join(tmpdir(), 'dlv-transform-'));
  const { landing, processed } = stageStores('transform', context);
  try {
    return await recorded(
      context,
      manifestKey,
      logger,
      'transform',
      { tablesOf: (r) => processedTables(r.manifest), skippedOf: (r) => r.skipped },
      () =>
        timed(() =>
          runTransform({
            landing,
            processed,
            logger,
            manifestKey,
            workDir,
            force: options.force,
          }),
        ),
    );
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export function loadBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
  options: BatchRunOptions = {},
): Promise<LoadResult & StageTiming> {
  const { landing, processed } = stageStores('load', context);
  return recorded(
    context,
    manifestKey,
    logger,
    'load',
    { tablesOf: (r) => loadedTables(r.tables), skippedOf: (r) => r.skipped },
    () =>
      timed(() =>
        runLoad({
          processed,
          warehouse: context.warehouse,
          logger,
          manifestKey,
          force: options.force,
          reconcile: batchReconciler({
            landing,
            processed,
            warehouse: context.warehouse,
            logger,
          }),
        }),
      ),
  );
}
