import type { SourceRowOf } from '../../shared/core/catalogue';
import { FACTS, type RowOf } from '../../shared/core/warehouse-catalogue';
import { factVersions } from './fact-versions';
import { readBool, readDate, readDecimal, readInt } from './values';
import { streamed } from './spec';

const TABLE = 'payment';

/**
 * fact_payment rows (without the serial payment_record_id) from landed payment rows: one per
 * distinct version (payment_id, last_updated). Timestamps split into 'YYYY-MM-DD' dates and
 * 'HH:MM:SS.mmm' UTC times; payment_amount becomes 2-dp decimal text. The account numbers are
 * not part of the fact and are only ignored, like any other extra column.
 *
 * @throws {TransformError} for a missing, null or mistyped column or a malformed payment_date.
 * @example
 * toFactPayment([{ payment_id: 9, payment_amount: '1200', paid: false, ... }]);
 * // → [{ payment_id: 9, payment_amount: '1200.00', paid: false, ... }]
 */
export function toFactPayment(rows: readonly SourceRowOf<'payment'>[]): RowOf<'fact_payment'>[] {
  return factVersions(rows, TABLE, 'payment_id', (row, key, at): RowOf<'fact_payment'> => ({
    payment_id: key,
    created_date: at.createdDate,
    created_time: at.createdTime,
    last_updated_date: at.lastUpdatedDate,
    last_updated_time: at.lastUpdatedTime,
    transaction_id: readInt(row.transaction_id, 'transaction_id', TABLE, key),
    counterparty_id: readInt(row.counterparty_id, 'counterparty_id', TABLE, key),
    payment_amount: readDecimal(row.payment_amount, 'payment_amount', TABLE, key),
    currency_id: readInt(row.currency_id, 'currency_id', TABLE, key),
    payment_type_id: readInt(row.payment_type_id, 'payment_type_id', TABLE, key),
    paid: readBool(row.paid, 'paid', TABLE, key),
    payment_date: readDate(row.payment_date, 'payment_date', TABLE, key),
  }));
}

export const factPayment = streamed({
  table: FACTS.fact_payment,
  from: 'payment',
  shape: toFactPayment,
});
