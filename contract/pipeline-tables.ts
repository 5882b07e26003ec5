/**
 * Table names both the infrastructure and the functions need: the per-table schedules are
 * validated against the source tables, and each stage's storage access names each table's key
 * prefix instead of a bucket-wide wildcard.
 *
 * This folder is the contract that `lib/` and `lambdas/` both import, and imports nothing. The
 * catalogues in `lambdas/shared/core/` still list the tables with their columns;
 * `test/infra/pipeline-tables.test.ts` fails when the two drift apart.
 */

/** The totesys tables ingest reads; landing keys are `<source_table>/<batchId>.jsonl`. */
export const SOURCE_TABLES = [
  'address',
  'counterparty',
  'currency',
  'department',
  'design',
  'payment_type',
  'staff',
  'sales_order',
  'purchase_order',
  'transaction',
  'payment',
] as const;

export type SourceTable = (typeof SOURCE_TABLES)[number];

/** The warehouse tables transform writes; processed keys are `<warehouse_table>/<batchId>.parquet`. */
export const WAREHOUSE_TABLES = [
  'dim_date',
  'dim_staff',
  'dim_location',
  'dim_currency',
  'dim_design',
  'dim_counterparty',
  'dim_transaction',
  'dim_payment_type',
  'fact_sales_order',
  'fact_purchase_order',
  'fact_payment',
] as const;

export type WarehouseTable = (typeof WAREHOUSE_TABLES)[number];
