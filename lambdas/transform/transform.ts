import { batchIdFromManifestKey, manifestKey } from '../shared/core/batch';
import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../shared/core/catalogue';
import { LandingLineError, type DecodedRow } from '../shared/core/json-lines';
import {
  parseLandingManifest,
  type LandedTable,
  type ProcessedManifest,
  type ProcessedTable,
  type QuarantinedObject,
} from '../shared/core/manifest';
import {
  DIMENSIONS,
  FACTS,
  type FactName,
  type WarehouseRow,
  type WarehouseTable,
} from '../shared/core/warehouse-catalogue';
import { formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';
import { readLandingRows } from '../shared/landing-reader';
import { ParquetValueError } from '../shared/parquet';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';
import { TableOutput } from './outputs';
import { quarantineObject, readManifestOrQuarantine } from '../shared/quarantine';
import {
  checkSnapshotRows,
  isSnapshotTable,
  mergeIntoSnapshot,
  readSnapshot,
  SNAPSHOT_TABLES,
  writeSnapshot,
  type Snapshot,
  type SnapshotTable,
} from './snapshots';
import {
  factDates,
  toDimCounterparty,
  toDimCurrency,
  toDimDate,
  toDimDesign,
  toDimLocation,
  toDimPaymentType,
  toDimStaff,
  toDimTransaction,
  toFactPayment,
  toFactPurchaseOrder,
  toFactSalesOrder,
  TransformError,
} from './tables';

export interface TransformOptions {
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly logger: StageLogger;
  /** The landing manifest's key, as the S3 event names it. */
  readonly manifestKey: string;
  /** A folder for Parquet files being built (Lambda: /tmp). */
  readonly workDir: string;
  readonly rowGroupRows?: number;
  readonly clock?: () => Date;
  /**
   * Transform the batch even when its processed manifest exists, rewriting its processed
   * objects (an operator's replay after fixing a quarantined object). Safe: load is idempotent.
   */
  readonly force?: boolean;
}

export interface TransformResult {
  readonly batchId: string;
  /** True when the batch was already transformed: nothing was written. */
  readonly skipped: boolean;
  readonly manifestKey: string;
  readonly manifest: ProcessedManifest | undefined;
}

/** What each streamed source table becomes; the snapshot tables are joined at the end. */
const STREAMED: Partial<
  Record<SourceTableName, { output: WarehouseTable; shape: (rows: DecodedRow[]) => WarehouseRow[] }>
> = {
  address: { output: DIMENSIONS.dim_location, shape: toDimLocation },
  currency: { output: DIMENSIONS.dim_currency, shape: toDimCurrency },
  design: { output: DIMENSIONS.dim_design, shape: toDimDesign },
  payment_type: { output: DIMENSIONS.dim_payment_type, shape: toDimPaymentType },
  transaction: { output: DIMENSIONS.dim_transaction, shape: toDimTransaction },
  sales_order: { output: FACTS.fact_sales_order, shape: toFactSalesOrder },
  purchase_order: { output: FACTS.fact_purchase_order, shape: toFactPurchaseOrder },
  payment: { output: FACTS.fact_payment, shape: toFactPayment },
};

/**
 * Turns one landing batch into warehouse-shaped Parquet and a processed manifest, written
 * last. A landing object that cannot be read is quarantined with its reason and the rest of
 * the batch goes on; the manifest lists what was set aside, so nothing is dropped unseen.
 */
export function runTransform(options: TransformOptions): Promise<TransformResult> {
  // The snapshots are read, merged and written back: two transforms of one processed bucket
  // must not interleave. In AWS the function's reserved concurrency of 1 ensures it; within
  // one process (the local runner, replays, tests) this queue does.
  const key = options.processed.bucket;
  const previous = transformQueue.get(key) ?? Promise.resolve();
  const run = previous.then(
    () => transformOnce(options),
    () => transformOnce(options),
  );
  const settled = run.catch(() => undefined);
  transformQueue.set(key, settled);
  void settled.then(() => {
    if (transformQueue.get(key) === settled) transformQueue.delete(key);
  });
  return run;
}

const transformQueue = new Map<string, Promise<unknown>>();

/** Errors that are the landing data's fault: the object is quarantined, the batch goes on. */
function isDataError(error: unknown): boolean {
  return (
    error instanceof LandingLineError ||
    error instanceof TransformError ||
    error instanceof ParquetValueError
  );
}

/**
 * The reason a landing object was refused, naming the bucket, key, line and column: a
 * LandingLineError already does; a row the table function refused is found in its chunk.
 */
function refusalReason(
  error: unknown,
  where: string,
  source: SourceTable,
  located: { line: number; column: string } | undefined,
): string {
  const message = (error as Error).message;
  if (error instanceof LandingLineError) return message;
  if (located) {
    return `${where} line ${located.line} column ${located.column} (table ${source.name}): ${message}`;
  }
  return `${where} (table ${source.name}): ${message}`;
}

async function transformOnce(options: TransformOptions): Promise<TransformResult> {
  const { landing, processed, logger: log } = options;
  const clock = options.clock ?? (() => new Date());
  const startedAt = clock();
  const batchId = batchIdFromManifestKey(options.manifestKey);
  if (!batchId) throw new Error(`${options.manifestKey} is not a batch manifest key`);
  const outKey = manifestKey(batchId);
  if (!options.force && (await processed.exists(outKey))) {
    log.info('Batch already transformed: nothing to do', { batchId });
    return { batchId, skipped: true, manifestKey: outKey, manifest: undefined };
  }
  const manifest = await readManifestOrQuarantine(
    landing,
    options.manifestKey,
    parseLandingManifest,
    batchId,
    log,
  );

  const rowGroupRows = options.rowGroupRows ?? 50_000;
  const outputs = new Map<string, TableOutput>();
  const outputFor = (table: WarehouseTable) => {
    let output = outputs.get(table.name);
    if (!output) {
      output = new TableOutput(table, batchId, options.workDir, rowGroupRows);
      outputs.set(table.name, output);
    }
    return output;
  };
  const snapshots = new Map<SnapshotTable, Snapshot>();
  for (const table of SNAPSHOT_TABLES) snapshots.set(table, await readSnapshot(processed, table));
  const changed = new Map<SnapshotTable, Set<number>>();
  const dates = new Set<string>();
  const sourceRows: Record<string, number> = {};
  const quarantined: QuarantinedObject[] = [];

  for (const entry of inJoinOrder(manifest.tables)) {
    const source = SOURCE_TABLES[entry.table];
    for (const key of entry.keys) {
      const streamed = STREAMED[entry.table];
      const output = streamed && outputFor(streamed.output);
      const held: DecodedRow[] = [];
      let rowsBefore = 0;
      let located: { line: number; column: string } | undefined;
      let warnedDrift = false;
      try {
        const rows = await readLandingRows(landing, key, source, async (chunk) => {
          if (!warnedDrift && chunk[0]) {
            warnedDrift = true;
            const known = new Set(source.columns.map((c) => c.name));
            const extra = Object.keys(chunk[0]).filter((c) => !known.has(c));
            if (extra.length > 0) {
              log.warn('Landing rows have columns the catalogue does not know: ignored', {
                batchId,
                table: entry.table,
                key,
                columns: extra,
              });
            }
          }
          const first = rowsBefore;
          rowsBefore += chunk.length;
          let shaped: WarehouseRow[] | undefined;
          try {
            shaped = streamed?.shape(chunk);
            if (isSnapshotTable(entry.table)) checkSnapshotRows(entry.table, chunk, snapshots);
          } catch (error) {
            // A row joined to a bad one of another table is not the line at fault.
            if (error instanceof TransformError && error.table === source.name) {
              const index = chunk.findIndex((row) => row[source.primaryKey] === error.key);
              located = { line: first + Math.max(index, 0) + 1, column: error.column };
            }
            throw error;
          }
          if (streamed && output && shaped) {
            if (streamed.output.kind === 'fact') {
              for (const row of shaped)
                for (const d of factDates(row, streamed.output.name as FactName)) dates.add(d);
            }
            await output.add(shaped);
          }
          if (isSnapshotTable(entry.table)) for (const row of chunk) held.push(row);
        });
        sourceRows[entry.table] = (sourceRows[entry.table] ?? 0) + rows;
      } catch (error) {
        // Only the data's own faults are quarantined; a read that failed (S3, network) fails
        // the transform so that it is retried, rather than dropping a good object.
        if (!isDataError(error)) {
          await output?.discard();
          throw error;
        }
        const reason = refusalReason(error, `s3://${landing.bucket}/${key}`, source, located);
        log.error('Landing object refused: quarantined, the rest of the batch goes on', {
          batchId,
          table: entry.table,
          key,
          reason,
        });
        await output?.discard();
        quarantined.push(await quarantineObject(landing, key, reason, batchId));
        continue;
      }
      if (isSnapshotTable(entry.table)) {
        const snapshot = snapshots.get(entry.table) as Snapshot;
        mergeIntoSnapshot(snapshot, entry.table, held);
        const ids = changed.get(entry.table) ?? new Set<number>();
        for (const row of held) ids.add(row[`${entry.table}_id`] as number);
        changed.set(entry.table, ids);
      }
    }
  }

  await addJoinedDimensions(snapshots, changed, outputFor);
  if (dates.size > 0) await outputFor(DIMENSIONS.dim_date).add(toDimDate(dates));

  const tables: ProcessedTable[] = [];
  for (const output of outputs.values()) {
    const key = await output.publish(processed);
    if (key) tables.push({ table: output.table.name, key, rows: output.rows });
  }
  for (const table of SNAPSHOT_TABLES) {
    if (changed.has(table)) await writeSnapshot(processed, table, snapshots.get(table) as Snapshot);
  }
  const newest = manifest.tables
    .map((t) => t.newest)
    .filter((n): n is string => n !== null)
    .sort()
    .at(-1);
  const result: ProcessedManifest = {
    kind: 'processed',
    version: 1,
    batchId,
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    sourceRows,
    tables,
    newestSourceChange: newest ?? null,
    completeUpTo: manifest.tables.map(completeThrough).sort()[0] ?? null,
    quarantined,
  };
  await processed.put(outKey, JSON.stringify(result, null, 2), 'application/json');
  log.info('Wrote processed manifest', {
    batchId,
    tables: tables.length,
    quarantined: quarantined.length,
  });
  return { batchId, skipped: false, manifestKey: outKey, manifest: result };
}

/**
 * The landed tables with the snapshot tables first, in join order, whatever the manifest's:
 * a batch's departments and addresses are then in their snapshots before its staff and
 * counterparty rows are checked against them.
 */
function inJoinOrder(tables: readonly LandedTable[]): LandedTable[] {
  const rank = (table: SourceTableName) =>
    isSnapshotTable(table) ? SNAPSHOT_TABLES.indexOf(table) : SNAPSHOT_TABLES.length;
  return [...tables].sort((a, b) => rank(a.table) - rank(b.table));
}

/**
 * dim_staff and dim_counterparty for every row touched on either side of their join: a
 * department rename reaches all its staff, an address change all counterparties there.
 */
async function addJoinedDimensions(
  snapshots: Map<SnapshotTable, Snapshot>,
  changed: Map<SnapshotTable, Set<number>>,
  outputFor: (table: WarehouseTable) => TableOutput,
): Promise<void> {
  const staff = snapshots.get('staff') as Snapshot;
  const departments = snapshots.get('department') as Snapshot;
  const staffIds = changed.get('staff') ?? new Set<number>();
  const departmentIds = changed.get('department') ?? new Set<number>();
  const affectedStaff = [...staff.values()].filter(
    (row) => staffIds.has(row.staff_id as number) || departmentIds.has(row.department_id as number),
  );
  if (affectedStaff.length > 0) {
    await outputFor(DIMENSIONS.dim_staff).add(toDimStaff(affectedStaff, departments));
  }
  const counterparties = snapshots.get('counterparty') as Snapshot;
  const addresses = snapshots.get('address') as Snapshot;
  const counterpartyIds = changed.get('counterparty') ?? new Set<number>();
  const addressIds = changed.get('address') ?? new Set<number>();
  const affectedCounterparties = [...counterparties.values()].filter(
    (row) =>
      counterpartyIds.has(row.counterparty_id as number) ||
      addressIds.has(row.legal_address_id as number),
  );
  if (affectedCounterparties.length > 0) {
    await outputFor(DIMENSIONS.dim_counterparty).add(
      toDimCounterparty(affectedCounterparties, addresses),
    );
  }
}

/**
 * Up to when a landed table is complete: its window's upper bound, or for a batch capped at a
 * cursor, the instant before the cursor's last_updated (later rows at that instant may wait).
 */
function completeThrough(table: LandedTable): string {
  if (!table.upTo) return table.to;
  return formatTimestamp((parseTimestamp(table.upTo.lastUpdated) ?? 0n) - 1n);
}
