import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { readIntOrNull, readText } from './values';
import { streamed } from './spec';

const TABLE = 'transaction';

/**
 * dim_transaction rows from transaction rows, newest version per transaction_id. A sale has a
 * sales_order_id and a null purchase_order_id, a purchase the other way round; the nulls are
 * kept as they are, not checked against transaction_type.
 *
 * @throws {TransformError} for a missing or mistyped column.
 * @example
 * toDimTransaction([{ transaction_id: 1, transaction_type: 'SALE', sales_order_id: 2, purchase_order_id: null, ... }]);
 * // → [{ transaction_id: 1, transaction_type: 'SALE', sales_order_id: 2, purchase_order_id: null,
 * //      source_updated_at: '2024-03-01T09:15:02.123Z' }]
 */
export function toDimTransaction(
  transactions: readonly SourceRowOf<'transaction'>[],
): RowOf<'dim_transaction'>[] {
  return latestByKey(transactions, TABLE, 'transaction_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_transaction'> => {
      return {
        transaction_id: key,
        transaction_type: readText(row.transaction_type, 'transaction_type', TABLE, key),
        sales_order_id: readIntOrNull(row.sales_order_id, 'sales_order_id', TABLE, key),
        purchase_order_id: readIntOrNull(row.purchase_order_id, 'purchase_order_id', TABLE, key),
        source_updated_at: lastUpdated,
      };
    },
  );
}

export const dimTransaction = streamed({
  table: DIMENSIONS.dim_transaction,
  from: 'transaction',
  shape: toDimTransaction,
});
