import type { LoadResult } from '../../lambdas/load/load';
import { isBatchId, manifestKey } from '../../lambdas/shared/core/batch';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import type { StageLogger } from '../../lambdas/shared/ports/stage-logger';
import type { TransformResult } from '../../lambdas/transform/transform';
import type { PipelineContext } from '../../local/pipeline-context';
import { loadBatch, migrateLocalWarehouse, transformBatch } from '../../local/run-cycle';
import type { StageProgress } from '../../local/stage-progress';
import { replaySummary } from '../command-summary';
import { consoleLogger } from '../console-logger';
import { Progress } from '../progress';
import { openEnvironment } from '../environment';
import { readSettings, UsageError } from '../settings';
import { loadModule } from '../load-module';
import type * as DeployedStackModule from '../remote/deployed-stack';
import type * as InvokeStageModule from '../remote/invoke-stage';
import type * as S3EventModule from '../remote/s3-event';

export type ReplayStage = 'transform' | 'load';

export interface ReplayOptions {
  readonly batchId: string;
  /** transform: from the landing objects (transform, then load); load: from processed only. */
  readonly stage: ReplayStage;
  /**
   * Redo work already done: the transform rewrites the batch's processed objects and the load
   * re-applies them although the load log holds the batch. Safe: every upsert is idempotent.
   */
  readonly force: boolean;
  readonly logger: StageLogger;
  readonly progress?: StageProgress;
}

export interface ReplayResult {
  readonly transform: TransformResult | undefined;
  readonly load: LoadResult;
}

/**
 * Re-runs one batch from its landing or processed objects, as a second delivery of its S3
 * event would. Without force, a batch already transformed and loaded is left as it is.
 */
export async function replayBatch(
  context: PipelineContext,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const key = manifestKey(options.batchId);
  const { logger, force, progress } = options;
  // The replay adds its records beside the batch's earlier ones; one written before every
  // finished run was kept is kept first, or the replay would write over it.
  const runLog = new ObjectStoreRunLog(context.processed);
  await runLog.keep(options.batchId, 'transform');
  await runLog.keep(options.batchId, 'load');
  let transform: TransformResult | undefined;
  if (options.stage === 'transform') {
    if (!(await context.landing.exists(key))) {
      throw new Error(
        `Batch ${options.batchId} has no landing manifest at s3://${context.landing.bucket}/${key}: check the batch id (deliverance status lists recent batches)`,
      );
    }
    transform = await transformBatch(context, key, logger, { force, progress });
  } else if (!(await context.processed.exists(key))) {
    const landed = await context.landing.exists(key);
    throw new Error(
      `Batch ${options.batchId} has no processed manifest at s3://${context.processed.bucket}/${key}: ${
        landed
          ? 'replay it with --stage transform'
          : 'nor a landing manifest: check the batch id (deliverance status lists recent batches)'
      }`,
    );
  }
  await migrateLocalWarehouse(context);
  const load = await loadBatch(context, key, logger, { force, progress });
  return { transform, load };
}

/**
 * Records an operator's decision to give up a parked batch (its object is lost for good): the
 * stage's failure record is kept, marked `purged`, so status lists the batch no more and does
 * not report it as a gap. Nothing else changes: the catch-up keeps leaving it alone, and a
 * later replay after all (the object found) still loads it. Answers the stage it was parked at.
 *
 * @throws when the batch is not parked at any stage.
 */
export async function purgeParkedBatch(
  processed: ObjectStore,
  batchId: string,
  clock: () => Date = () => new Date(),
): Promise<ReplayStage> {
  const runLog = new ObjectStoreRunLog(processed);
  for (const stage of ['transform', 'load'] as const) {
    const record = await runLog.read(batchId, stage);
    if (record?.state === 'failure' && record.missing) {
      await runLog.write({ ...record, purged: record.purged ?? clock().toISOString() });
      return stage;
    }
  }
  throw new Error(
    `Batch ${batchId} is not parked: only a batch parked for a missing object is purged (deliverance status lists them)`,
  );
}

/**
 * A replay on a deployed stack: the stage's function invoked with the S3 event of the batch's
 * manifest, as S3 would deliver it again. A transform's processed manifest then fires the load
 * as usual.
 */
async function replayDeployed(
  env: string,
  batchId: string,
  stage: ReplayStage,
  json: boolean,
): Promise<number> {
  const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
    __filename,
    '../remote/deployed-stack',
  );
  const { invokeStage, outcomeText } = loadModule<typeof InvokeStageModule>(
    __filename,
    '../remote/invoke-stage',
  );
  const { objectCreatedEvent } = loadModule<typeof S3EventModule>(__filename, '../remote/s3-event');
  const stack = await openDeployedStack(env);
  try {
    const bucket =
      stage === 'transform' ? stack.operations.landingBucket : stack.operations.processedBucket;
    const event = await objectCreatedEvent(stack, bucket, manifestKey(batchId));
    const outcome = await invokeStage(stack, stage, event);
    if (json) {
      console.log(JSON.stringify({ environment: env, batchId, stage, outcome }, null, 2));
    } else {
      console.log(outcomeText(stage, `of batch ${batchId}`, outcome));
    }
    if (!json && outcome.ok && stage === 'transform') {
      console.log(
        `load: follows from the processed manifest's event (deliverance status --env ${env}); if the transform was already done, replay the load: --stage load`,
      );
    }
    return outcome.ok ? 0 : 1;
  } finally {
    stack.close();
  }
}

/**
 * `deliverance replay --batch ID [--stage transform|load] [--force | --purge] [--env NAME]
 * [--json]`; the stage and the exclusive flags are checked by the command line.
 */
export async function replayCommand(options: {
  env: string | undefined;
  batch?: string;
  stage?: ReplayStage;
  force?: boolean;
  purge?: boolean;
  json?: boolean;
  verbose?: boolean;
}): Promise<number> {
  if (!options.batch || !isBatchId(options.batch)) {
    throw new UsageError(
      `replay needs --batch ID, a batch id such as 20261123T043451123Z-3f9a1c${options.batch ? ` (not ${JSON.stringify(options.batch)})` : ''}`,
    );
  }
  const stage = options.stage ?? 'transform';
  const json = options.json ?? false;
  if (options.env !== undefined) {
    if (options.purge) {
      throw new UsageError(
        'replay --purge works on the local state folder only: deployed, mark the run record yourself (docs/operations.md, "Parked batches")',
      );
    }
    if (options.force) {
      throw new UsageError(
        'replay --force works on the local state folder only: a deployed function skips a batch already done, as its own redelivery would (docs/operations.md, "Replay")',
      );
    }
    return replayDeployed(options.env, options.batch, stage, json);
  }
  const progress = new Progress('replay');
  const settings = readSettings();
  const environment = await openEnvironment(settings, { s3: true, command: 'replay' });
  const { stateDir } = settings;
  if (options.purge) {
    try {
      const stage = await purgeParkedBatch(environment.processed, options.batch);
      console.log(
        json
          ? JSON.stringify({ stateDir, batchId: options.batch, purged: true, stage }, null, 2)
          : `purged: batch ${options.batch}, parked at ${stage}, is given up; status lists it no more`,
      );
      return 0;
    } finally {
      await environment.stop();
    }
  }
  try {
    const result = await replayBatch(environment, {
      batchId: options.batch,
      stage,
      force: options.force ?? false,
      logger: consoleLogger(options.verbose ?? false, () => progress.clear()),
      progress,
    });
    progress.end();
    if (json) {
      console.log(JSON.stringify(replayReport(stateDir, options.batch, stage, result), null, 2));
      return 0;
    }
    if (result.transform) {
      console.log(
        result.transform.skipped
          ? `transform: batch ${options.batch} already transformed, nothing done (--force rewrites it)`
          : `transform: batch ${options.batch} → ${result.transform.manifest?.tables.length ?? 0} processed table(s), ${result.transform.manifest?.quarantined.length ?? 0} quarantined object(s), ${(result.transform.manifest?.quarantinedRows ?? []).reduce((sum, q) => sum + q.rows, 0)} row(s) set aside`,
      );
    }
    console.log(
      result.load.skipped
        ? `load: batch ${options.batch} already loaded, nothing done (--force re-applies it)`
        : `load: batch ${options.batch} → ${result.load.tables.reduce((s, t) => s + t.written, 0)} row(s) written`,
    );
    progress.finish(replaySummary(options.batch, result.transform, result.load));
    return 0;
  } finally {
    progress.close();
    await environment.stop();
  }
}

/** What `replay --json` prints of a local replay. */
function replayReport(stateDir: string, batchId: string, stage: ReplayStage, result: ReplayResult) {
  const { transform, load } = result;
  return {
    stateDir,
    batchId,
    stage,
    transform: transform && {
      skipped: transform.skipped,
      tables: transform.manifest?.tables.length ?? 0,
      quarantinedObjects: transform.manifest?.quarantined.length ?? 0,
      setAside: (transform.manifest?.quarantinedRows ?? []).reduce((sum, q) => sum + q.rows, 0),
    },
    load: { skipped: load.skipped, written: load.tables.reduce((s, t) => s + t.written, 0) },
  };
}
