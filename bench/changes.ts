import type { Client } from 'pg';

export interface ChangeSummary {
  readonly inserted: number;
  readonly updated: number;
}

/**
 * About 1,000 changed rows, stamped now(): new sales orders (copies of old ones), price
 * corrections on sales orders, and payments marked paid — the incremental batch the benchmark
 * times end to end.
 */
export async function applyBenchChanges(client: Client, rows = 1_000): Promise<ChangeSummary> {
  const inserts = Math.round(rows * 0.3);
  const orderUpdates = Math.round(rows * 0.4);
  const paymentUpdates = rows - inserts - orderUpdates;
  await client.query('BEGIN');
  try {
    const inserted = await client.query(
      `INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price,
              currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id,
              created_at, last_updated)
       SELECT design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
              agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id, now(), now()
         FROM sales_order ORDER BY sales_order_id LIMIT $1`,
      [inserts],
    );
    const orders = await client.query(
      `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now()
        WHERE sales_order_id IN (
          SELECT sales_order_id FROM sales_order ORDER BY sales_order_id DESC OFFSET $1 LIMIT $2)`,
      [inserts, orderUpdates],
    );
    const payments = await client.query(
      `UPDATE payment SET paid = NOT paid, last_updated = now()
        WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT $1)`,
      [paymentUpdates],
    );
    await client.query('COMMIT');
    return {
      inserted: inserted.rowCount ?? 0,
      updated: (orders.rowCount ?? 0) + (payments.rowCount ?? 0),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
