/**
 * Rows the source deleted: which warehouse rows stand for each source table's keys, and how a
 * delete travels as data (docs/guarantees.md, "Deletes"). The reconciliation finds keys the
 * warehouse holds and the source no longer has, lands them as tombstone lines beside the
 * batch's other objects, and transform and load turn them into `source_deleted_at` on every
 * row of that key. Pure data: this folder imports nothing outside it.
 */
import type { SourceTableName } from './source-catalogue';
import type { WarehouseTableName } from './warehouse-catalogue';

/** The warehouse table whose rows carry a source table's primary key, and that key's column. */
export interface DeletedKeysReach {
  readonly table: WarehouseTableName;
  readonly column: string;
}

/**
 * Per source table, where its keys live in the warehouse. `department` has no warehouse row of
 * its own (dim_staff carries its name, and totesys's foreign keys let it go only once no staff
 * row points at it), so its deletes are not reconciled.
 */
export const DELETED_KEYS_REACH: Readonly<Record<SourceTableName, DeletedKeysReach | null>> = {
  address: { table: 'dim_location', column: 'location_id' },
  counterparty: { table: 'dim_counterparty', column: 'counterparty_id' },
  currency: { table: 'dim_currency', column: 'currency_id' },
  department: null,
  design: { table: 'dim_design', column: 'design_id' },
  payment: { table: 'fact_payment', column: 'payment_id' },
  payment_type: { table: 'dim_payment_type', column: 'payment_type_id' },
  purchase_order: { table: 'fact_purchase_order', column: 'purchase_order_id' },
  sales_order: { table: 'fact_sales_order', column: 'sales_order_id' },
  staff: { table: 'dim_staff', column: 'staff_id' },
  transaction: { table: 'dim_transaction', column: 'transaction_id' },
};

/** The warehouse column that says when the source was seen without the row's key. */
export const SOURCE_DELETED_AT = 'source_deleted_at';

/**
 * One tombstone line of a landing deletes object: the source primary key and when the
 * reconciliation saw it gone, as `{"key":123,"deletedAt":"2026-12-05T12:00:00.000000Z"}`.
 */
export interface TombstoneLine {
  readonly key: number;
  readonly deletedAt: string;
}

/** The landing object of a table's tombstones in a batch: `<table>/<batchId>.deletes.jsonl`. */
export function deletesKey(table: SourceTableName, batchId: string): string {
  return `${table}/${batchId}.deletes.jsonl`;
}
