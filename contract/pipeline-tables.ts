/**
 * Table names both the infrastructure and the functions need: the per-table schedules are
 * validated against the source tables, and each stage's storage access names each table's key
 * prefix instead of a bucket-wide wildcard.
 *
 * This folder is the contract that `lib/` and `lambdas/` both import, and imports nothing
 * outside itself. The names come from the catalogues beside this file, the one place a table
 * is declared.
 */
import { SOURCE_TABLE_NAMES, type SourceTableName } from './source-catalogue';
import {
  WAREHOUSE_TABLES as WAREHOUSE_CATALOGUE,
  type WarehouseTableName,
} from './warehouse-catalogue';

/** The totesys tables ingest reads; landing keys are `<source_table>/<batchId>.jsonl`. */
export const SOURCE_TABLES: readonly SourceTableName[] = SOURCE_TABLE_NAMES;

export type SourceTable = SourceTableName;

/** The warehouse tables transform writes; processed keys are `<warehouse_table>/<batchId>.parquet`. */
export const WAREHOUSE_TABLES: readonly WarehouseTableName[] = WAREHOUSE_CATALOGUE.map(
  (table) => table.name as WarehouseTableName,
);

export type WarehouseTable = WarehouseTableName;
