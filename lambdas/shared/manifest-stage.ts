import { catchUp, type CatchUpOutcome } from './catch-up';
import { batchIdFromManifestKey } from './core/batch';
import {
  parkIfMissing,
  reportParkedBatches,
  unlessParked,
  type ParkingStage,
} from './parked-batch';
import type { ObjectStore } from './ports/object-store';
import type { RemainingTime } from './ports/remaining-time';
import type { RunLog } from './ports/run-log';
import type { StageLogger } from './ports/stage-logger';
import { recordStageRun, type StageRunOptions } from './run-recording';
import type { BatchKeys, ManifestStageReport } from './stage-report';
import { timed, type StageTiming } from './timed';

/** A stage run by manifests (transform, load): one batch, the batches owed, and an S3 event. */
export interface ManifestStage<Run> {
  /** Runs one batch, recorded in the run log; `force` redoes a batch already done. */
  batch(manifestKey: string, options?: { readonly force?: boolean }): Promise<Run>;
  /** Runs the batches handed over and not yet done, oldest first, (cut `before` one). */
  catchUp(before?: string): Promise<CatchUpOutcome>;
  /**
   * What an S3 event asks: each manifest's batch, after the earlier batches still owed (their
   * events dead-lettered in an outage). A catch-up that fails leaves the event's batch to run.
   * A batch parked is recorded and left out of the answer, not thrown (parked-batch.ts).
   */
  handle(manifestKeys: readonly string[]): Promise<Run[]>;
}

/** What differs between the manifest-driven stages; the rest is {@link manifestStage}'s. */
export interface ManifestStageSpec<Result extends object, Run> {
  readonly stage: ParkingStage;
  readonly logger: StageLogger;
  readonly runLog: RunLog;
  /** The bucket of the stage's input manifest: where a batch missing an object is parked. */
  readonly input: ObjectStore;
  /** How a finished run is recorded: its tables, rows set aside, and whether it was skipped. */
  readonly record: Pick<StageRunOptions<Result>, 'tablesOf' | 'setAsideOf' | 'skippedOf'>;
  /** The stage's work for one batch. */
  readonly work: (manifestKey: string, options: { readonly force: boolean }) => Promise<Result>;
  /** What the caller hears of a finished run besides its result and time (load: its lag). */
  readonly complete: (run: Result & StageTiming) => Run;
  /** The manifest keys of the batches still owed, oldest first, (cut `before` one). */
  readonly pending: (before?: string) => Promise<readonly string[]>;
  /** Keeps two runs from draining one backlog together (see `catchUp`). @default - no guard */
  readonly alone?: (drain: (stillAlone: () => void) => Promise<void>) => Promise<boolean>;
  /** Lambda's context: catch-up leaves the time the event's own batch needs. @default - no deadline */
  readonly invocation?: RemainingTime;
  readonly onBatch?: (batch: BatchKeys) => void;
  /**
   * Hears each batch run that finished or failed, catch-up's included, and once `handle` is done
   * the batches parked at the stage (for their metrics).
   */
  readonly onReport?: (report: ManifestStageReport<Run>) => void;
}

/**
 * The skeleton of a stage run by manifests: each batch between run records (a missing object
 * parks it), reported through one hook, and an S3 event's batches each after the earlier
 * batches still owed, ending with the gauge of the batches parked. The stages give only their
 * work, their record and what they owe.
 *
 * @example
 * const stage = manifestStage({ stage: 'transform', logger, runLog, input: landing, record, work, complete: (run) => run, pending });
 * await stage.handle(objectKeysOf(event));
 */
export function manifestStage<Result extends object, Run>(
  spec: ManifestStageSpec<Result, Run>,
): ManifestStage<Run> {
  const { stage, logger } = spec;
  const batch = async (manifestKey: string, { force = false } = {}): Promise<Run> => {
    const batchId = batchIdFromManifestKey(manifestKey);
    spec.onBatch?.({ manifestKey, ...(batchId ? { batchId } : {}) });
    try {
      const result = await recordStageRun(
        { runLog: spec.runLog, logger, batchId, stage, ...spec.record },
        () =>
          timed(() =>
            parkIfMissing({ store: spec.input, batchId, stage, logger }, () =>
              spec.work(manifestKey, { force }),
            ),
          ),
      );
      const run = spec.complete(result);
      spec.onReport?.({ kind: 'ran', run });
      return run;
    } catch (error) {
      spec.onReport?.({ kind: 'failed', ...(batchId ? { batchId } : {}), error });
      throw error;
    }
  };
  const owed = (before?: string) =>
    catchUp({
      stage,
      logger,
      pending: () => spec.pending(before),
      run: (key) => batch(key),
      ...(spec.invocation ? { invocation: spec.invocation } : {}),
      ...(spec.alone ? { alone: spec.alone } : {}),
    });
  return {
    batch,
    catchUp: owed,
    async handle(manifestKeys) {
      const runs: Run[] = [];
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
        await reportParkedBatches(
          { store: spec.input, runLog: spec.runLog, stage, logger },
          spec.onReport && ((batchIds) => spec.onReport?.({ kind: 'parked', batchIds })),
        );
      }
    },
  };
}
