import type { PoolClient } from 'pg';
import { batchIdFromManifestKey } from '../shared/core/batch';
import { quoteIdent } from '../shared/core/catalogue';
import { parseProcessedManifest, type ProcessedManifest } from '../shared/core/manifest';
import { ReconciliationError } from '../shared/core/reconcile';
import {
  hasSourceVersion,
  WAREHOUSE_TABLES,
  warehouseTable,
  type WarehouseTable,
} from '../shared/core/warehouse-catalogue';
import { MissingObjectError, type ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import { quarantineObject, readManifestOrQuarantine } from '../shared/quarantine';
import { deletesToApply, withDeleted } from './apply-deletes';
import { BULK_MIN_ROWS, bulkLoadIntoEmpty, downloadToTemp } from './bulk-load';
import { appendLargeFactBatch, validatePendingKeys } from './large-fact-batch';
import { stageRows, upsertStaged } from './staged-upsert';
import { VERSION_BATCH_COLUMN } from './upsert-sql';
import { isBadData, PipelineError, type ErrorKind } from '../shared/core/pipeline-error';
import { PG, pgCode } from '../shared/adapters/postgres-codes';
import type {
  AppliedDeletes,
  LoadedTable,
  WarehouseWriter,
} from '../shared/ports/warehouse-writer';

export interface LoadOptions {
  readonly processed: ObjectStore;
  /** PostgreSQL's: `PostgresWarehouseWriter`. */
  readonly warehouse: WarehouseWriter;
  readonly logger: StageLogger;
  /** The processed manifest's key, as the S3 event names it. */
  readonly manifestKey: string;
  readonly clock?: () => Date;
  /** Cross-stage checks run before anything is written; throwing refuses the batch. */
  readonly reconcile?: (manifest: ProcessedManifest) => Promise<void>;
  /**
   * Load the batch even when the load log already holds it (an operator's replay after a
   * forced re-transform): safe, because every upsert is idempotent; the log entry is updated.
   */
  readonly force?: boolean;
}

export interface LoadResult {
  readonly batchId: string;
  /** True when the batch was already in the load log: nothing was written. */
  readonly skipped: boolean;
  readonly tables: readonly LoadedTable[];
  readonly newestSourceChange: string | null;
  /** The source time up to which the warehouse is now complete (see ProcessedManifest). */
  readonly completeUpTo: string | null;
}

export class LoadError extends PipelineError {
  constructor(
    message: string,
    readonly kind: ErrorKind,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'LoadError';
  }
}

/**
 * Loads one processed batch in ONE transaction: its tables in the catalogue's foreign-key
 * order (dimensions before the facts that refer to them), then the batch id in the load log. Either all of it is visible or none; a batch already logged is skipped,
 * so S3's at-least-once events and replays never load anything twice.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { processed, logger: log } = options;
  const batchId = batchIdFromManifestKey(options.manifestKey);
  if (!batchId) throw new LoadError(`${options.manifestKey} is not a batch manifest key`, 'fatal');
  const where = `s3://${processed.bucket}/${options.manifestKey}`;
  const manifest = await readManifestOrQuarantine(
    processed,
    options.manifestKey,
    parseProcessedManifest,
    batchId,
    log,
  );
  await options.reconcile?.(manifest);
  const transaction = await options.warehouse.begin();
  try {
    const { loadLog } = transaction;
    if (!options.force && (await loadLog.has(batchId))) {
      await transaction.rollback();
      log.info('Batch already loaded: nothing to do', { batchId });
      return {
        batchId,
        skipped: true,
        tables: [],
        newestSourceChange: manifest.newestSourceChange,
        completeUpTo: manifest.completeUpTo,
      };
    }
    const tables: LoadedTable[] = [];
    for (const { table, entry } of inLoadOrder(manifest, where)) {
      const loaded = await transaction
        .writeTable(processed, table, entry, batchId)
        .catch((error: unknown) =>
          refuseOrExplain(error, processed, entry.key, table, batchId, log),
        );
      tables.push(loaded);
      log.info('Loaded table', { batchId, ...loaded });
    }
    const deleted: AppliedDeletes[] = [];
    for (const target of deletesToApply(manifest)) {
      const applied = await transaction
        .applyDeletes(processed, target)
        .catch((error: unknown) =>
          refuseOrExplain(error, processed, target.key, target.table, batchId, log),
        );
      deleted.push(applied);
      log.info('Applied deletes', { batchId, ...applied });
    }
    const logged = withDeleted(tables, deleted);
    await transaction.recordSchemaChanges(manifest.landed?.schemaChanges ?? [], batchId);
    await loadLog.record({
      batchId,
      tables: logged,
      newestSourceChange: manifest.newestSourceChange,
    });
    await transaction.commit();
    return {
      batchId,
      skipped: false,
      tables: logged,
      newestSourceChange: manifest.newestSourceChange,
      completeUpTo: manifest.completeUpTo,
    };
  } catch (error) {
    await transaction.rollback().catch(() => undefined);
    throw error;
  } finally {
    transaction.release();
  }
}

/**
 * Turns a failed table load into the error an operator needs. An unreadable Parquet file is
 * copied to the processed bucket's quarantine prefix with its reason, and the whole batch fails
 * (its transaction rolls back; it is not marked loaded). A foreign-key violation means this
 * batch's facts refer to dimension rows an earlier batch brings that is not loaded yet (events
 * delivered out of order): the batch fails untouched and succeeds when retried after that one.
 */
async function refuseOrExplain(
  error: unknown,
  processed: ObjectStore,
  key: string,
  table: WarehouseTable,
  batchId: string,
  log: StageLogger,
): Promise<never> {
  const where = `s3://${processed.bucket}/${key}`;
  // A missing file has nothing to copy aside: the stage parks the batch (parked-batch.ts).
  if (error instanceof MissingObjectError) throw error;
  if (isBadData(error)) {
    const message = (error as Error).message;
    const reason = message.startsWith(where) ? message : `${where}: ${message}`;
    const quarantined = await quarantineObject(processed, key, reason, batchId).catch(
      () => undefined,
    );
    log.error('Processed object refused: the batch is not loaded', { batchId, key, reason });
    throw new LoadError(
      `${reason}. Batch ${batchId} was not loaded${quarantined ? ` (copied to s3://${processed.bucket}/${quarantined.quarantineKey})` : ''}: re-run the transform for this batch (deliverance replay --batch ${batchId} --stage transform --force)`,
      'bad-data',
      { cause: error },
    );
  }
  const pg = error as { constraint?: string; detail?: string };
  if (pgCode(error) === PG.foreignKeyViolation) {
    throw new LoadError(
      `Batch ${batchId}: ${table.name} from ${where} refers to a dimension row that is not in the warehouse yet (${pg.constraint ?? 'foreign key'}${pg.detail ? `: ${pg.detail}` : ''}). An earlier batch holding it is probably not loaded yet (events delivered out of order): nothing of this batch was written; the retry succeeds once that batch is loaded`,
      'transient',
      { cause: error },
    );
  }
  throw error;
}

function inLoadOrder(manifest: ProcessedManifest, where: string) {
  const entries = manifest.tables.map((entry) => {
    const table = warehouseTable(entry.table);
    if (!table)
      throw new LoadError(`${where} names unknown warehouse table ${entry.table}`, 'bad-data');
    return { table, entry };
  });
  return entries.sort(
    (a, b) => WAREHOUSE_TABLES.indexOf(a.table) - WAREHOUSE_TABLES.indexOf(b.table),
  );
}

/**
 * Upserts one table of a batch from its processed Parquet file: the work of
 * `writeTable` of the load transaction on PostgreSQL (postgres-warehouse-writer.ts).
 */
export async function loadTable(
  client: PoolClient,
  processed: ObjectStore,
  table: WarehouseTable,
  entry: { readonly key: string; readonly rows: number },
  batchId: string,
): Promise<LoadedTable> {
  // To /tmp first: memory then holds one row group at a time, never the whole file.
  const local = await downloadToTemp(processed, entry.key);
  const source = `s3://${processed.bucket}/${entry.key}`;
  try {
    if (entry.rows >= BULK_MIN_ROWS) {
      const written = await bulkLoadIntoEmpty(client, table, local.path, source);
      if (written !== undefined) {
        checkStaged(written, entry.rows, table, source);
        // The table was empty: every row in it is this batch's version.
        if (hasSourceVersion(table)) {
          await client.query(
            `UPDATE ${quoteIdent(table.name)} SET ${quoteIdent(VERSION_BATCH_COLUMN)} = $1`,
            [batchId],
          );
        }
        return { table: table.name, staged: written, written };
      }
    }
    const appended = await appendLargeFactBatch(
      client,
      table,
      local.path,
      source,
      entry.rows,
      batchId,
    );
    if (appended) {
      checkStaged(appended.staged, entry.rows, table, source);
      return { table: table.name, ...appended };
    }
    const staged = await stageRows(client, table, local.path, source);
    checkStaged(staged, entry.rows, table, source);
    const written = await upsertStaged(client, table, batchId);
    // A backfill has caught up with this table: the keys its batches left NOT VALID are checked.
    if (table.kind === 'fact') await validatePendingKeys(client, table);
    return { table: table.name, staged, written };
  } finally {
    await local.dispose();
  }
}

function checkStaged(staged: number, expectedRows: number, table: WarehouseTable, source: string) {
  if (staged !== expectedRows) {
    throw new ReconciliationError(
      `${source} holds ${staged} rows but the processed manifest says ${expectedRows}: re-run the transform for this batch`,
      [{ table: table.name, check: 'processed-vs-staged', expected: expectedRows, actual: staged }],
    );
  }
}
