import type { Pool } from 'pg';
import { PostgresLoadLog } from '../shared/adapters/postgres-load-log';
import { ObjectStoreRunLog } from '../shared/adapters/s3-run-log';
import type { ProcessedManifest } from '../shared/core/manifest';
import type { BatchGap } from '../shared/core/reconcile';
import { manifestStage, type ManifestStage } from '../shared/manifest-stage';
import { pendingLoads } from '../shared/pending-batches';
import type { LoadLog } from '../shared/ports/load-log';
import type { ObjectStore } from '../shared/ports/object-store';
import type { RemainingTime } from '../shared/ports/remaining-time';
import type { StageLogger } from '../shared/ports/stage-logger';
import { loadedTables } from '../shared/run-recording';
import { ScopedObjectStore } from '../shared/scoped-object-store';
import type { BatchKeys, ManifestStageReport } from '../shared/stage-report';
import type { StageTiming } from '../shared/timed';
import { aloneInWarehouse } from './catch-up-lock';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import { migrateWarehouse } from './migrations';
import { PostgresWarehouseWriter } from './postgres-warehouse-writer';
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
  readonly onBatch?: (batch: BatchKeys) => void;
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
export type LoadReport = ManifestStageReport<
  LoadRun,
  | { readonly kind: 'gaps'; readonly gaps: readonly BatchGap[] }
  /** `handle` is done: the newest source time its batches completed the warehouse up to. */
  | { readonly kind: 'finished'; readonly completeUpTo?: string; readonly at: string }
>;

export type LoadStage = ManifestStage<LoadRun>;

/**
 * The warehouse as the load stage reaches it: {@link loadStage} opens PostgreSQL's; a unit test
 * gives {@link loadStageOver} a fake.
 */
export interface LoadWarehouse {
  readonly loadLog: LoadLog;
  /** Loads one batch in one transaction once `reconcile` accepted its manifest (`runLoad`). */
  load(options: Omit<LoadOptions, 'warehouse'>): Promise<LoadResult>;
  /** Runs `drain` unless another load is draining the backlog (`aloneInWarehouse`). */
  alone(drain: (stillAlone: () => void) => Promise<void>): Promise<boolean>;
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
  return loadStageOver(async () => postgresWarehouse(await openWarehouse(options)), options);
}

/**
 * {@link loadStage} over any {@link LoadWarehouse}, opened on the first batch that needs it.
 * `handle` reports the warehouse's freshness once, as the invocation leaves it, however many
 * older batches it caught up on the way.
 */
export function loadStageOver(
  openWarehouse: () => Promise<LoadWarehouse>,
  options: Omit<LoadStageOptions, 'warehouse' | 'schema' | 'onWarehouseReady'>,
): LoadStage {
  const processed = new ScopedObjectStore(options.processed, 'load', 'processed');
  const { logger } = options;
  const clock = options.clock ?? (() => new Date());
  const report = (r: LoadReport) => options.onReport?.(r);
  let opened: Promise<LoadWarehouse> | undefined;
  const warehouse = () => (opened ??= openWarehouse());
  // The newest source time a batch completed the warehouse up to, since `handle` began.
  let completeUpTo: string | undefined;
  const stage = manifestStage({
    stage: 'load',
    logger,
    runLog: new ObjectStoreRunLog(processed),
    input: processed,
    record: { tablesOf: (r: LoadResult) => loadedTables(r.tables), skippedOf: (r) => r.skipped },
    work: async (manifestKey, { force }) => {
      const target = await warehouse();
      const reconcile = batchReconciler({
        processed,
        loadLog: target.loadLog,
        logger,
        onGaps: (gaps) => report({ kind: 'gaps', gaps }),
      });
      let landedAt: string | undefined;
      const result = await target.load({
        processed,
        logger,
        manifestKey,
        force,
        reconcile: (manifest: ProcessedManifest) => {
          landedAt = manifest.landed?.startedAt;
          return reconcile(manifest);
        },
      });
      return { ...result, ...(landedAt ? { landedAt } : {}) };
    },
    complete: (result): LoadRun => {
      const upTo = result.completeUpTo;
      if (!result.skipped && upTo && (!completeUpTo || upTo > completeUpTo)) completeUpTo = upTo;
      return { ...result, finishedAt: clock().toISOString() };
    },
    pending: async (before) =>
      pendingLoads(processed, (await warehouse()).loadLog, before ? { before } : {}),
    alone: async (drain) => (await warehouse()).alone(drain),
    ...(options.invocation ? { invocation: options.invocation } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    onReport: report,
  });
  return {
    ...stage,
    async handle(manifestKeys) {
      completeUpTo = undefined;
      try {
        return await stage.handle(manifestKeys);
      } finally {
        report({
          kind: 'finished',
          ...(completeUpTo ? { completeUpTo } : {}),
          at: clock().toISOString(),
        });
      }
    },
  };
}

function postgresWarehouse(pool: Pool): LoadWarehouse {
  return {
    loadLog: new PostgresLoadLog(pool),
    load: (options) => runLoad({ ...options, warehouse: new PostgresWarehouseWriter(pool) }),
    alone: (drain) => aloneInWarehouse(pool, drain),
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
