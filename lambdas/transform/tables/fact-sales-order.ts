import type { SourceRowOf } from '../../shared/core/catalogue';
import { FACTS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { factVersions } from './fact-versions';
import { readDate, readDecimal, readInt } from './values';
import { streamed } from './spec';

const TABLE = 'sales_order';

/**
 * fact_sales_order rows (without the serial sales_record_id) from landed sales_order rows: one
 * per distinct version (sales_order_id, last_updated), an exact duplicate counted once.
 * Timestamps split into 'YYYY-MM-DD' dates and 'HH:MM:SS.mmm' UTC times; staff_id becomes
 * sales_staff_id; unit_price becomes 2-dp decimal text. Unknown extra columns are ignored.
 *
 * @throws {TransformError} for a missing, null or mistyped column or a malformed agreed date.
 * @example
 * toFactSalesOrder([{ sales_order_id: 2, created_at: '2024-03-01T09:15:02.123Z', ... }]);
 * // → [{ sales_order_id: 2, created_date: '2024-03-01', created_time: '09:15:02.123', ... }]
 */
export function toFactSalesOrder(
  rows: readonly SourceRowOf<'sales_order'>[],
): RowOf<'fact_sales_order'>[] {
  return factVersions(rows, TABLE, 'sales_order_id', (row, key, at): RowOf<'fact_sales_order'> => ({
    sales_order_id: key,
    created_date: at.createdDate,
    created_time: at.createdTime,
    last_updated_date: at.lastUpdatedDate,
    last_updated_time: at.lastUpdatedTime,
    sales_staff_id: readInt(row.staff_id, 'staff_id', TABLE, key),
    counterparty_id: readInt(row.counterparty_id, 'counterparty_id', TABLE, key),
    units_sold: readInt(row.units_sold, 'units_sold', TABLE, key),
    unit_price: readDecimal(row.unit_price, 'unit_price', TABLE, key),
    currency_id: readInt(row.currency_id, 'currency_id', TABLE, key),
    design_id: readInt(row.design_id, 'design_id', TABLE, key),
    agreed_payment_date: readDate(row.agreed_payment_date, 'agreed_payment_date', TABLE, key),
    agreed_delivery_date: readDate(row.agreed_delivery_date, 'agreed_delivery_date', TABLE, key),
    agreed_delivery_location_id: readInt(
      row.agreed_delivery_location_id,
      'agreed_delivery_location_id',
      TABLE,
      key,
    ),
  }));
}

export const factSalesOrder = streamed({
  table: FACTS.fact_sales_order,
  from: 'sales_order',
  shape: toFactSalesOrder,
});
