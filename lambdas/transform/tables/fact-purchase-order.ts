import type { SourceRowOf } from '../../shared/core/catalogue';
import { FACTS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { factVersions } from './fact-versions';
import { readDate, readDecimal, readInt, readText } from './values';
import { streamed } from './spec';

const TABLE = 'purchase_order';

/**
 * fact_purchase_order rows (without the serial purchase_record_id) from landed purchase_order
 * rows: one per distinct version (purchase_order_id, last_updated). Timestamps split into
 * 'YYYY-MM-DD' dates and 'HH:MM:SS.mmm' UTC times; item_unit_price becomes 2-dp decimal text.
 *
 * @throws {TransformError} for a missing, null or mistyped column or a malformed agreed date.
 * @example
 * toFactPurchaseOrder([{ purchase_order_id: 5, item_unit_price: '3.5', ... }]);
 * // → [{ purchase_order_id: 5, item_unit_price: '3.50', ... }]
 */
export function toFactPurchaseOrder(
  rows: readonly SourceRowOf<'purchase_order'>[],
): RowOf<'fact_purchase_order'>[] {
  return factVersions(
    rows,
    TABLE,
    'purchase_order_id',
    (row, key, at): RowOf<'fact_purchase_order'> => ({
      purchase_order_id: key,
      created_date: at.createdDate,
      created_time: at.createdTime,
      last_updated_date: at.lastUpdatedDate,
      last_updated_time: at.lastUpdatedTime,
      staff_id: readInt(row.staff_id, 'staff_id', TABLE, key),
      counterparty_id: readInt(row.counterparty_id, 'counterparty_id', TABLE, key),
      item_code: readText(row.item_code, 'item_code', TABLE, key),
      item_quantity: readInt(row.item_quantity, 'item_quantity', TABLE, key),
      item_unit_price: readDecimal(row.item_unit_price, 'item_unit_price', TABLE, key),
      currency_id: readInt(row.currency_id, 'currency_id', TABLE, key),
      agreed_delivery_date: readDate(row.agreed_delivery_date, 'agreed_delivery_date', TABLE, key),
      agreed_payment_date: readDate(row.agreed_payment_date, 'agreed_payment_date', TABLE, key),
      agreed_delivery_location_id: readInt(
        row.agreed_delivery_location_id,
        'agreed_delivery_location_id',
        TABLE,
        key,
      ),
    }),
  );
}

export const factPurchaseOrder = streamed({
  table: FACTS.fact_purchase_order,
  from: 'purchase_order',
  shape: toFactPurchaseOrder,
});
