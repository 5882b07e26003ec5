import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import { manifestStage, type ManifestStage } from '../shared/manifest-stage';
import { pendingTransforms } from '../shared/pending-batches';
import type { ObjectStore } from '../shared/ports/object-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import type { StageLogger } from '../shared/ports/stage-logger';
import { processedTables, setAsideRows } from '../shared/run-recording';
import { stageStores } from '../shared/scoped-object-store';
import type { BatchKeys, ManifestStageReport } from '../shared/stage-report';
import type { StageTiming } from '../shared/timed';
import { runTransform, type TransformResult } from './transform';

export interface TransformStageOptions {
  /** Both buckets; the stage uses each only as its declared access allows. */
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly logger: StageLogger;
  /** A folder for the Parquet files of one batch, and how to clean it up after. */
  readonly workDir: () => Promise<{ readonly path: string; dispose(): Promise<void> }>;
  /** Lambda's context: catch-up leaves the time the event's own batch needs. @default - no deadline */
  readonly invocation?: RemainingTime;
  /** Hears each batch as it starts, e.g. to put its id on every log line. */
  readonly onBatch?: (batch: BatchKeys) => void;
  /** Hears each batch run that finished or failed, catch-up's included (for its metrics). */
  readonly onReport?: (report: TransformReport) => void;
}

/** One transform of one batch, and how long it took. */
export type TransformRun = TransformResult & StageTiming;

/** What the transform reports as it goes; `metricsOf` turns each into its metrics. */
export type TransformReport = ManifestStageReport<TransformRun>;

export type TransformStage = ManifestStage<TransformRun>;

/**
 * Transform as both the Lambda and the local runner run it: each batch of landing written as
 * Parquet to processed, recorded in the processed bucket's run log, earlier batches still owed
 * caught up first.
 *
 * @example
 * const transform = transformStage({ landing, processed, logger, workDir });
 * await transform.handle(objectKeysOf(event));
 */
export function transformStage(options: TransformStageOptions): TransformStage {
  const stores = stageStores('transform', options);
  const { landing, processed } = stores;
  const { logger } = options;
  return manifestStage({
    stage: 'transform',
    logger,
    runLog: new ObjectStoreRunLog(processed),
    input: landing,
    record: {
      tablesOf: (r: TransformResult) => processedTables(r.manifest),
      setAsideOf: (r) => setAsideRows(r.manifest),
      skippedOf: (r) => r.skipped,
    },
    work: async (manifestKey, { force }) => {
      const workDir = await options.workDir();
      try {
        return await runTransform({
          landing,
          processed,
          logger,
          manifestKey,
          workDir: workDir.path,
          force,
        });
      } finally {
        await workDir.dispose();
      }
    },
    complete: (run) => run,
    pending: (before) => pendingTransforms(stores, before ? { before } : {}),
    ...(options.invocation ? { invocation: options.invocation } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.onReport ? { onReport: options.onReport } : {}),
  });
}
