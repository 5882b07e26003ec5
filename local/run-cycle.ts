import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SchemaContract } from '../contract/settings';
import {
  ingestStage,
  type IngestEvent,
  type IngestRun,
  type IngestStageOptions,
} from '../lambdas/ingest/ingest-stage';
import { loadStage, migrateSchema, type LoadRun } from '../lambdas/load/load-stage';
import { newBatchId } from '../lambdas/shared/core/batch';
import type { SourceTableName } from '../lambdas/shared/core/catalogue';
import type { StageLogger } from '../lambdas/shared/ports/stage-logger';
import { transformStage, type TransformRun } from '../lambdas/transform/transform-stage';
import { BackfillProgress } from './backfill-progress';
import type { PipelineContext } from './pipeline-context';
import { reportingLogger, type StageProgress } from './stage-progress';

export interface CycleOptions {
  readonly logger: StageLogger;
  readonly overlapSeconds: number;
  readonly tables?: readonly SourceTableName[];
  /** Rows per source table per batch (see runIngest). Unbounded by default. */
  readonly maxBatchRows?: number;
  /** What ingest does at a new source column, per table (default: evolve everywhere). */
  readonly schemaContract?: SchemaContract;
  /** Hears each stage of each batch, and each table it finishes, as the cycle goes. */
  readonly progress?: StageProgress;
  /** A deletes reconciliation asked for now (`deliverance deletes`), whatever the schedule. */
  readonly deletes?: IngestEvent['deletes'];
  /** The deletes reconciliation's schedule, cap and guard; their defaults when absent. */
  readonly deletesTunings?: Partial<
    Pick<IngestStageOptions, 'deletesSchedule' | 'maxDeletesPerRun' | 'deletesGuardPercent'>
  >;
}

export interface CycleResult {
  readonly ingest: IngestRun;
  readonly transform: TransformRun;
  readonly load: LoadRun;
}

/** Brings the warehouse schema up to date, as the load Lambda does on a cold start. */
export function migrateLocalWarehouse(context: PipelineContext): Promise<string[]> {
  return migrateSchema(context.warehouse);
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
  const { logger, progress } = options;
  await catchUpLocally(context, logger, progress);
  const ingest = await ingestBatch(context, options);
  const transform = await transformBatch(context, ingest.manifestKey, logger, { progress });
  const load = await loadBatch(context, transform.manifestKey, logger, { progress });
  return { ingest, transform, load };
}

/**
 * How many batches a run has under way at once: the one being ingested and the one before it,
 * still transforming or loading, so the source, Node and the warehouse each have work. More
 * would leave more landed batches for the next run's catch-up when one fails.
 */
const BATCHES_UNDER_WAY = 2;

/**
 * Cycles until every table is caught up: a table more than `maxBatchRows` behind drains batch
 * after batch without waiting, as the ingest Lambda re-invokes itself in AWS. The next batch is
 * ingested while the one before it transforms and loads, as the three functions overlap in AWS,
 * and the order the deployed pipeline keeps holds here by construction: ingests one at a time
 * (each reads the watermarks the one before wrote), each batch's transform after the one before
 * it, and its load after both its own transform and the load before it, so batches load in
 * batch order, one transaction each. Within a batch each stage starts from the manifest the one
 * before wrote last, as in AWS, never from a table's object: docs/guarantees.md, section 3, says
 * what would differ. `onCycle` hears each cycle, in batch order, as its load
 * ends, with the backfill's progress so far. A failure stops the ingests and lets the batches
 * under way end (no transform starts after an earlier one failed, no load after an earlier
 * transform or load failed), then throws the earliest batch's error; what landed and was not
 * loaded is the next run's catch-up, as after a crash.
 */
export async function runUntilCaughtUp(
  context: PipelineContext,
  options: CycleOptions,
  onCycle: (cycle: CycleResult, progress: BackfillProgress) => void = () => undefined,
): Promise<CycleResult[]> {
  await migrateLocalWarehouse(context);
  const { logger, progress } = options;
  await catchUpLocally(context, logger, progress);
  const backfill = new BackfillProgress();
  const cycles: CycleResult[] = [];
  const failures: { batch: number; error: unknown }[] = [];
  const underWay: Promise<void>[] = [];
  let transformed: Promise<unknown> = Promise.resolve();
  let loaded: Promise<unknown> = Promise.resolve();
  for (let batch = 0; ; batch++) {
    while (underWay.length >= BATCHES_UNDER_WAY) await underWay.shift();
    if (failures.length > 0) break;
    let ingest: IngestRun;
    try {
      ingest = await ingestBatch(context, options);
    } catch (error) {
      failures.push({ batch, error });
      break;
    }
    const transform = transformed.then(() =>
      transformBatch(context, ingest.manifestKey, logger, { progress }),
    );
    const load = Promise.all([transform, loaded]).then(([done]) =>
      loadBatch(context, done.manifestKey, logger, { progress }),
    );
    transformed = transform;
    loaded = load;
    underWay.push(
      Promise.all([transform, load]).then(
        ([transformRun, loadRun]) => {
          const cycle = { ingest, transform: transformRun, load: loadRun };
          cycles.push(cycle);
          backfill.add(ingest);
          onCycle(cycle, backfill);
        },
        (error: unknown) => void failures.push({ batch, error }),
      ),
    );
    if (ingest.caughtUp) break;
  }
  await Promise.all(underWay);
  const first = failures.sort((a, b) => a.batch - b.batch)[0];
  if (first) throw first.error;
  return cycles;
}

/**
 * Finishes the batches an earlier, killed run left half done, as the Lambdas do before their
 * event's batch: transforms first, then loads (those just transformed included), oldest first.
 * A local run has no event queue to retry a stage, so a batch that fails here fails the cycle.
 */
async function catchUpLocally(
  context: PipelineContext,
  logger: StageLogger,
  progress: StageProgress | undefined,
): Promise<void> {
  const transforms = await transformer(context, logger, progress).catchUp();
  if (transforms.failure) throw transforms.failure.error;
  const loads = await loader(context, logger, progress).catchUp();
  if (loads.failure) throw loads.failure.error;
}

/** One ingest run under a fresh batch id, recorded in the landing bucket's run log. */
export async function ingestBatch(
  context: PipelineContext,
  options: CycleOptions,
): Promise<IngestRun> {
  const { progress } = options;
  const batchId = newBatchId(new Date());
  progress?.start('ingest', batchId);
  const run = await ingestStage({
    landing: context.landing,
    source: async () => context.source,
    watermarks: context.watermarks,
    logger: progress ? reportingLogger(options.logger, progress, 'ingest') : options.logger,
    overlapSeconds: options.overlapSeconds,
    maxBatchRows: options.maxBatchRows,
    schemaContract: options.schemaContract,
    warehouse: async () => context.warehouse,
    deletesState: context.deletesState,
    ...options.deletesTunings,
  }).handle(
    {
      ...(options.tables ? { tables: options.tables } : {}),
      ...(options.deletes ? { deletes: options.deletes } : {}),
    },
    batchId,
  );
  progress?.end('ingest');
  return run;
}

/** Options of a stage run beyond the batch: `force` redoes a batch already done (replay). */
export interface BatchRunOptions {
  readonly force?: boolean;
  readonly progress?: StageProgress;
}

/** The transform stage on the local stack, each batch in a scratch folder of its own. */
function transformer(context: PipelineContext, logger: StageLogger, progress?: StageProgress) {
  return transformStage({
    landing: context.landing,
    processed: context.processed,
    logger: progress ? reportingLogger(logger, progress, 'transform') : logger,
    onBatch: ({ batchId }) => progress?.start('transform', batchId),
    onReport: (report) => {
      if (report.kind === 'ran') progress?.end('transform');
    },
    workDir: async () => {
      const path = await mkdtemp(join(tmpdir(), 'dlv-transform-'));
      return { path, dispose: () => rm(path, { recursive: true, force: true }) };
    },
  });
}

/** The load stage on the local stack; the cycle has migrated the warehouse first. */
function loader(context: PipelineContext, logger: StageLogger, progress?: StageProgress) {
  return loadStage({
    processed: context.processed,
    warehouse: async () => context.warehouse,
    logger: progress ? reportingLogger(logger, progress, 'load') : logger,
    onBatch: ({ batchId }) => progress?.start('load', batchId),
    onReport: (report) => {
      if (report.kind === 'ran') progress?.end('load');
    },
  });
}

export function transformBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
  options: BatchRunOptions = {},
): Promise<TransformRun> {
  return transformer(context, logger, options.progress).batch(manifestKey, options);
}

export function loadBatch(
  context: PipelineContext,
  manifestKey: string,
  logger: StageLogger,
  options: BatchRunOptions = {},
): Promise<LoadRun> {
  return loader(context, logger, options.progress).batch(manifestKey, options);
}
