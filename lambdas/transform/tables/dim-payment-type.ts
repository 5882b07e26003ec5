import type { SourceRowOf } from '../../shared/core/catalogue';
import { DIMENSIONS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { latestByKey } from './dedupe';
import { readText } from './values';
import { streamed } from './spec';

const TABLE = 'payment_type';

/**
 * dim_payment_type rows from payment_type rows, newest version per payment_type_id.
 *
 * @throws {TransformError} for a missing, null or mistyped column.
 * @example
 * toDimPaymentType([{ payment_type_id: 1, payment_type_name: 'SALES_RECEIPT', ... }]);
 * // → [{ payment_type_id: 1, payment_type_name: 'SALES_RECEIPT', source_updated_at: '…' }]
 */
export function toDimPaymentType(
  paymentTypes: readonly SourceRowOf<'payment_type'>[],
): RowOf<'dim_payment_type'>[] {
  return latestByKey(paymentTypes, TABLE, 'payment_type_id').map(
    ({ row, key, lastUpdated }): RowOf<'dim_payment_type'> => {
      return {
        payment_type_id: key,
        payment_type_name: readText(row.payment_type_name, 'payment_type_name', TABLE, key),
        source_updated_at: lastUpdated,
      };
    },
  );
}

export const dimPaymentType = streamed({
  table: DIMENSIONS.dim_payment_type,
  from: 'payment_type',
  shape: toDimPaymentType,
});
