import type { Pool } from 'pg';
import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import { catchUp, type CatchUpOutcome } from '../shared/catch-up';
import { batchIdFromManifestKey } from '../shared/core/batch';
import type { ProcessedManifest } from '../shared/core/manifest';
import type { BatchGap } from '../shared/core/reconcile';
import { parkIfMissing, reportParkedBatches, unlessParked } from '../shared/parked-batch';
import { pendingLoads } from '../shared/pending-batches';
import type { ObjectStore } from '../shared/ports/object-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import type { StageLogger } from '../shared/ports/stage-logger';
import { loadedTables, recordStageRun } from '../shared/run-recording';
import { ScopedObjectStore } from '../shared/scoped-object-store';
import { timed, type StageTiming } from '../shared/timed';
import { aloneInWarehouse } from './catch-up-lock';
import { runLoad, type LoadResult } from './load';
import { migrateWarehouse } from './migrations';
import { batchReconciler } from './reconciliation';

export interface LoadStageOptions {
  /** The processed bucket; the stage uses it only as its declared access allows. */
  readonly processed: ObjectStore;
  /**
   * The warehouse, opened on the first batch that needs it (inside its run, so a connection
   * refused is the run's recorded failure) and kept for the stage's later batches.
   */
  readonly warehouse: () => Promise<Pool>;
  readonly logger: StageLogger;
  /**
   * Brings the warehouse schema up to date on first opening it, once for as long as this object
   * lives (Lambda: the container). @default - no migration: the caller migrated
   */
  readonly schema?: { migrated: boolean };
  /**
   * Runs once the warehouse is open and migrated, before the stage's first batch (Lambda: the
   * analyst role's password kept equal to its secret's). @default - nothing
   */
  readonly onWarehouseReady?: (warehouse: Pool) => Promise<void>;
  /** Lambda's context: catch-up leaves the time the event's own batch needs. @default - no deadline */
  readonly invocation?: RemainingTime;
  /** Hears each batch as it starts, e.g. to put its id on every log line. */
  readonly onBatch?: (batch: { readonly manifestKey: string; readonly batchId?: string }) => void;
  /** Hears what the load did, batch by batch and at the end of `handle` (for its metrics). */
  readonly onReport?: (report: LoadReport) => void;
  readonly clock?: () => Date;
}

/** One load of one batch, and what its metrics need besides the result. */
export type LoadRun = LoadResult &
  StageTiming & {
    /** When ingest started the batch, as its processed manifest says: its lag is measured from it. */
    readonly landedAt?: string;
    readonly finishedAt: string;
  };

/** What the load reports as it goes; `metricsOf` turns each into its metrics. */
export type LoadReport =
  | { readonly kind: 'loaded'; readonly run: LoadRun }
  | { readonly kind: 'failed'; readonly batchId?: string; readonly error: unknown }
  | { readonly kind: 'gaps'; readonly gaps: readonly BatchGap[] }
  /** `handle` is done: the batches parked at the load, neither replayed nor purged. */
  | { readonly kind: 'parked'; readonly batchIds: readonly string[] }
  /** `handle` is done: the newest source time its batches completed the warehouse up to. */
  | { readonly kind: 'finished'; readonly completeUpTo?: string; readonly at: string };

export interface LoadStage {
  /** Loads one batch, recorded in the run log; `force` reloads a batch already loaded. */
  batch(manifestKey: string, options?: { readonly force?: boolean }): Promise<LoadRun>;
  /** Loads the batches transformed and not yet loaded, oldest first, (cut `before` one). */
  catchUp(before?: string): Promise<CatchUpOutcome>;
  /**
   * What an S3 event asks: each manifest's batch, after the earlier batches still owed (their
   * events dead-lettered in an outage). A catch-up that fails leaves the event's batch to run.
   * A batch parked is recorded and left out of the answer, not thrown (parked-batch.ts).
   */
  handle(manifestKeys: readonly string[]): Promise<LoadRun[]>;
}

/**
 * Load as both the Lambda and the local runner run it: each batch reconciled with what its
 * processed manifest says landing held, loaded in one transaction, and recorded in the
 * processed bucket's run log; earlier batches still owed caught up first, one catch-up at a
 * time in the warehouse.
 *
 * @example
 * const load = loadStage({ processed, warehouse: async () => pool, logger });
 * await load.batch('manifests/20261123T043451123Z-3f9a1c.json');
 */
export function loadStage(options: LoadStageOptions): LoadStage {
  const processed = new ScopedObjectStore(options.processed, 'load', 'processed');
  const runLog = new ObjectStoreRunLog(processed);
  const { logger } = options;
  const clock = options.clock ?? (() => new Date());
  const report = (r: LoadReport) => options.onReport?.(r);
  let opened: Promise<Pool> | undefined;
  const warehouse = () => (opened ??= openWarehouse(options));
  // The newest source time a batch completed the warehouse up to, since `handle` began.
  let completeUpTo: string | undefined;
  const batch = async (manifestKey: string, { force = false } = {}): Promise<LoadRun> => {
    const batchId = batchIdFromManifestKey(manifestKey);
    options.onBatch?.({ manifestKey, ...(batchId ? { batchId } : {}) });
    let landedAt: string | undefined;
    const load = async () => {
      const pool = await warehouse();
      const reconcile = batchReconciler({
        processed,
        warehouse: pool,
        logger,
        onGaps: (gaps) => report({ kind: 'gaps', gaps }),
      });
      return runLoad({
        processed,
        warehouse: pool,
        logger,
        manifestKey,
        force,
        reconcile: (manifest: ProcessedManifest) => {
          landedAt = manifest.landed?.startedAt;
          return reconcile(manifest);
        },
      });
    };
    try {
      const result = await recordStageRun(
        {
          runLog,
          logger,
          batchId,
          stage: 'load',
          tablesOf: (r: LoadResult) => loadedTables(r.tables),
          skippedOf: (r) => r.skipped,
        },
        () =>
          timed(() => parkIfMissing({ store: processed, batchId, stage: 'load', logger }, load)),
      );
      const run = {
        ...result,
        ...(landedAt ? { landedAt } : {}),
        finishedAt: clock().toISOString(),
      };
      const upTo = run.completeUpTo;
      if (!run.skipped && upTo && (!completeUpTo || upTo > completeUpTo)) completeUpTo = upTo;
      report({ kind: 'loaded', run });
      return run;
    } catch (error) {
      report({ kind: 'failed', ...(batchId ? { batchId } : {}), error });
      throw error;
    }
  };
  const owed = async (before?: string) =>
    catchUp({
      stage: 'load',
      logger,
      pending: async () => pendingLoads(processed, await warehouse(), before ? { before } : {}),
      run: (key) => batch(key),
      ...(options.invocation ? { invocation: options.invocation } : {}),
      alone: async (drain) => aloneInWarehouse(await warehouse(), drain),
    });
  return {
    batch,
    catchUp: owed,
    async handle(manifestKeys) {
      // One freshness reading per invocation, of the warehouse as the invocation leaves it,
      // however many older batches it caught up on the way.
      completeUpTo = undefined;
      const runs: LoadRun[] = [];
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
        const at = { store: processed, runLog, stage: 'load' as const, logger };
        await reportParkedBatches(
          at,
          options.onReport && ((batchIds) => report({ kind: 'parked', batchIds })),
        );
        report({
          kind: 'finished',
          ...(completeUpTo ? { completeUpTo } : {}),
          at: clock().toISOString(),
        });
      }
    },
  };
}

async function openWarehouse(options: LoadStageOptions): Promise<Pool> {
  const pool = await options.warehouse();
  if (options.schema && !options.schema.migrated) {
    const applied = await migrateSchema(pool);
    if (applied.length > 0) options.logger.info('Migrated the warehouse', { applied });
    options.schema.migrated = true;
  }
  await options.onWarehouseReady?.(pool);
  return pool;
}

/** Applies the migrations and views the warehouse lacks; answers the migrations applied. */
export async function migrateSchema(warehouse: Pool): Promise<string[]> {
  const client = await warehouse.connect();
  try {
    return await migrateWarehouse(client);
  } finally {
    client.release();
  }
}
