import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import { catchUp, type CatchUpOutcome } from '../shared/catch-up';
import { batchIdFromManifestKey } from '../shared/core/batch';
import { parkIfMissing, reportParkedBatches, unlessParked } from '../shared/parked-batch';
import { pendingTransforms } from '../shared/pending-batches';
import type { ObjectStore } from '../shared/ports/object-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import type { StageLogger } from '../shared/ports/stage-logger';
import { processedTables, recordStageRun, setAsideRows } from '../shared/run-recording';
import { stageStores } from '../shared/scoped-object-store';
import { timed, type StageTiming } from '../shared/timed';
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
  readonly onBatch?: (batch: { readonly manifestKey: string; readonly batchId?: string }) => void;
  /** Hears each batch run that finished, catch-up's included (for its metrics). */
  readonly onRun?: (run: TransformRun) => void;
  /** Hears, once `handle` is done, the batches parked at the transform (for their gauge). */
  readonly onParked?: (batchIds: readonly string[]) => void;
}

/** One transform of one batch, and how long it took. */
export type TransformRun = TransformResult & StageTiming;

export interface TransformStage {
  /** Transforms one batch, recorded in the run log; `force` redoes a batch already done. */
  batch(manifestKey: string, options?: { readonly force?: boolean }): Promise<TransformRun>;
  /** Transforms the batches landed and not yet transformed, oldest first, (cut `before` one). */
  catchUp(before?: string): Promise<CatchUpOutcome>;
  /**
   * What an S3 event asks: each manifest's batch, after the earlier batches still owed (their
   * events dead-lettered in an outage). A catch-up that fails leaves the event's batch to run.
   * A batch parked is recorded and left out of the answer, not thrown (parked-batch.ts).
   */
  handle(manifestKeys: readonly string[]): Promise<TransformRun[]>;
}

/**
 * Transform as both the Lambda and the local runner run it: each batch recorded in the
 * processed bucket's run log, earlier batches still owed caught up first.
 *
 * @example
 * const transform = transformStage({ landing, processed, logger, workDir });
 * await transform.handle(objectKeysOf(event));
 */
export function transformStage(options: TransformStageOptions): TransformStage {
  const stores = stageStores('transform', options);
  const { landing, processed } = stores;
  const runLog = new ObjectStoreRunLog(processed);
  const { logger } = options;
  const batch = async (manifestKey: string, { force = false } = {}) => {
    const batchId = batchIdFromManifestKey(manifestKey);
    options.onBatch?.({ manifestKey, ...(batchId ? { batchId } : {}) });
    const workDir = await options.workDir();
    try {
      const run = await recordStageRun(
        {
          runLog,
          logger,
          batchId,
          stage: 'transform',
          tablesOf: (r: TransformResult) => processedTables(r.manifest),
          setAsideOf: (r) => setAsideRows(r.manifest),
          skippedOf: (r) => r.skipped,
        },
        () =>
          timed(() =>
            parkIfMissing({ store: landing, batchId, stage: 'transform', logger }, () =>
              runTransform({
                landing,
                processed,
                logger,
                manifestKey,
                workDir: workDir.path,
                force,
              }),
            ),
          ),
      );
      options.onRun?.(run);
      return run;
    } finally {
      await workDir.dispose();
    }
  };
  const owed = (before?: string) =>
    catchUp({
      stage: 'transform',
      logger,
      pending: () => pendingTransforms(stores, before ? { before } : {}),
      run: (key) => batch(key),
      ...(options.invocation ? { invocation: options.invocation } : {}),
    });
  return {
    batch,
    catchUp: owed,
    async handle(manifestKeys) {
      const runs: TransformRun[] = [];
      try {
        for (const manifestKey of manifestKeys) {
          const before = batchIdFromManifestKey(manifestKey);
          // A key that names no batch owes nothing before it; the stage refuses it.
          if (before) await owed(before);
          const run = await unlessParked(() => batch(manifestKey));
          if (run) runs.push(run);
        }
        return runs;
      } finally {
        const at = { store: landing, runLog, stage: 'transform' as const, logger };
        await reportParkedBatches(at, options.onParked);
      }
    },
  };
}
