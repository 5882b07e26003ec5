import type { SchemaChange } from '../core/schema-changes';
import type { WarehouseTable } from '../core/warehouse-catalogue';
import type { LoadLog } from './load-log';
import type { ObjectStore } from './object-store';

/** What loading one table of a batch did. */
export interface LoadedTable {
  readonly table: string;
  /** Rows in the Parquet file. */
  readonly staged: number;
  /** Rows inserted or changed in the warehouse (the rest were already there). */
  readonly written: number;
  /** Rows marked deleted by the batch's tombstones, when it carried any for the table. */
  readonly deleted?: number;
}

/** A table's tombstones to apply: the processed object and the warehouse table it marks. */
export interface DeletesToApply {
  readonly key: string;
  readonly rows: number;
  readonly table: WarehouseTable;
}

/** One warehouse table's tombstones applied: keys named, rows marked deleted by this load. */
export interface AppliedDeletes {
  readonly table: string;
  readonly tombstones: number;
  readonly deleted: number;
}

/**
 * The warehouse as the load writes it: one transaction per batch, holding the load lock from
 * its start, so that a batch's tables and its load-log entry are visible together or not at all.
 */
export interface WarehouseWriter {
  /** Starts a batch's transaction once no other load holds the lock. */
  begin(): Promise<LoadTransaction>;
}

export interface LoadTransaction {
  /** The load log, read and written inside this transaction. */
  readonly loadLog: LoadLog;
  /**
   * Upserts one table from its processed Parquet file `file.key`, which the processed manifest
   * says holds `file.rows` rows.
   *
   * @throws {MissingObjectError} when the file is not in `processed`
   * @throws {ReconciliationError} when the file holds another number of rows
   */
  writeTable(
    processed: ObjectStore,
    table: WarehouseTable,
    file: { readonly key: string; readonly rows: number },
    batchId: string,
  ): Promise<LoadedTable>;
  /**
   * Marks the rows of a table's tombstoned keys deleted, after the batch's upserts.
   *
   * @throws {ReconciliationError} when the object holds another number of tombstones
   */
  applyDeletes(processed: ObjectStore, deletes: DeletesToApply): Promise<AppliedDeletes>;
  /** Records the source schema changes the batch carries, each once (`etl.schema_changes`). */
  recordSchemaChanges(changes: readonly SchemaChange[], batchId: string): Promise<void>;
  commit(): Promise<void>;
  /** Undoes everything written since `begin`. */
  rollback(): Promise<void>;
  /** Gives the connection back; the transaction is over (committed or rolled back). */
  release(): void;
}
