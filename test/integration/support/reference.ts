import type { Pool } from 'pg';

/**
 * The warehouse as the OLTP data says it must be, computed by SQL over totesys alone — never by
 * the transform code — next to the query that reads the same shape from the warehouse. Facts
 * keep history, so the warehouse side takes each source row's latest version.
 */
interface ReferencePair {
  readonly expected: string;
  readonly actual: string;
}

/** A time of day at PostgreSQL's full precision, microseconds. */
const us = (column: string) => `to_char(${column}, 'HH24:MI:SS.US')`;

const latest = (table: string, id: string, columns: string) =>
  `SELECT DISTINCT ON (${id}) ${columns} FROM ${table} ORDER BY ${id}, last_updated_date DESC, last_updated_time DESC`;

export const REFERENCE: Record<string, ReferencePair> = {
  dim_location: {
    expected: `SELECT address_id, address_line_1, address_line_2, district, city, postal_code, country, phone FROM address`,
    actual: `SELECT location_id, address_line_1, address_line_2, district, city, postal_code, country, phone FROM dim_location`,
  },
  dim_staff: {
    expected: `SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address
               FROM staff s JOIN department d USING (department_id)`,
    actual: `SELECT staff_id, first_name, last_name, department_name, location, email_address FROM dim_staff`,
  },
  dim_counterparty: {
    expected: `SELECT c.counterparty_id, c.counterparty_legal_name, a.address_line_1, a.address_line_2, a.district,
                      a.city, a.postal_code, a.country, a.phone
               FROM counterparty c JOIN address a ON a.address_id = c.legal_address_id`,
    actual: `SELECT counterparty_id, counterparty_legal_name, counterparty_legal_address_line_1,
                    counterparty_legal_address_line_2, counterparty_legal_district, counterparty_legal_city,
                    counterparty_legal_postal_code, counterparty_legal_country, counterparty_legal_phone_number
             FROM dim_counterparty`,
  },
  dim_currency: {
    expected: `SELECT currency_id, currency_code FROM currency`,
    actual: `SELECT currency_id, currency_code FROM dim_currency`,
  },
  dim_design: {
    expected: `SELECT design_id, design_name, file_location, file_name FROM design`,
    actual: `SELECT design_id, design_name, file_location, file_name FROM dim_design`,
  },
  dim_transaction: {
    expected: `SELECT transaction_id, transaction_type::text, sales_order_id, purchase_order_id FROM transaction`,
    actual: `SELECT transaction_id, transaction_type, sales_order_id, purchase_order_id FROM dim_transaction`,
  },
  dim_payment_type: {
    expected: `SELECT payment_type_id, payment_type_name::text FROM payment_type`,
    actual: `SELECT payment_type_id, payment_type_name FROM dim_payment_type`,
  },
  fact_sales_order: {
    expected: `SELECT sales_order_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      staff_id, counterparty_id, units_sold, unit_price::numeric(10,2), currency_id, design_id,
                      agreed_payment_date::date, agreed_delivery_date::date, agreed_delivery_location_id
               FROM sales_order`,
    actual: latest(
      'fact_sales_order',
      'sales_order_id',
      `sales_order_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
       sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id,
       agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id`,
    ),
  },
  fact_purchase_order: {
    expected: `SELECT purchase_order_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      staff_id, counterparty_id, item_code, item_quantity, item_unit_price::numeric(10,2), currency_id,
                      agreed_delivery_date::date, agreed_payment_date::date, agreed_delivery_location_id
               FROM purchase_order`,
    actual: latest(
      'fact_purchase_order',
      'purchase_order_id',
      `purchase_order_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
       staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
       agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id`,
    ),
  },
  fact_payment: {
    expected: `SELECT payment_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      transaction_id, counterparty_id, payment_amount::numeric(10,2), currency_id, payment_type_id,
                      paid, payment_date::date
               FROM payment`,
    actual: latest(
      'fact_payment',
      'payment_id',
      `payment_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
       transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date`,
    ),
  },
};

/** Every date any OLTP row refers to: dim_date must hold at least these. */
const REFERENCED_DATES = `
  SELECT d FROM (
    SELECT created_at::date AS d FROM sales_order UNION SELECT last_updated::date FROM sales_order
    UNION SELECT agreed_payment_date::date FROM sales_order UNION SELECT agreed_delivery_date::date FROM sales_order
    UNION SELECT created_at::date FROM purchase_order UNION SELECT last_updated::date FROM purchase_order
    UNION SELECT agreed_payment_date::date FROM purchase_order UNION SELECT agreed_delivery_date::date FROM purchase_order
    UNION SELECT created_at::date FROM payment UNION SELECT last_updated::date FROM payment
    UNION SELECT payment_date::date FROM payment) dates`;

/** Rows as sorted JSON lines, every value as PostgreSQL's own text form. */
async function rowsAsText(pool: Pool, sql: string): Promise<string[]> {
  const result = await pool.query({ text: `SELECT * FROM (${sql}) q`, rowMode: 'array' });
  return (result.rows as unknown[][])
    .map((row) => JSON.stringify(row.map((v) => (v === null ? null : String(v)))))
    .sort();
}

export interface TableDifference {
  readonly table: string;
  readonly missing: string[];
  readonly unexpected: string[];
}

/** Where the warehouse differs from the reference; an empty list means equal. */
export async function compareWithReference(
  source: Pool,
  warehouse: Pool,
): Promise<TableDifference[]> {
  const differences: TableDifference[] = [];
  for (const [table, pair] of Object.entries(REFERENCE)) {
    const [expected, actual] = await Promise.all([
      rowsAsText(source, pair.expected),
      rowsAsText(warehouse, pair.actual),
    ]);
    const actualSet = new Set(actual);
    const expectedSet = new Set(expected);
    const missing = expected.filter((r) => !actualSet.has(r));
    const unexpected = actual.filter((r) => !expectedSet.has(r));
    if (missing.length > 0 || unexpected.length > 0) {
      differences.push({ table, missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5) });
    }
  }
  const dates = new Set(await rowsAsText(warehouse, 'SELECT date_id FROM dim_date'));
  const missingDates = (await rowsAsText(source, REFERENCED_DATES)).filter((d) => !dates.has(d));
  const wrongAttributes = await rowsAsText(
    warehouse,
    `SELECT date_id FROM dim_date WHERE (year, month, day, day_of_week, day_name, month_name, quarter) IS DISTINCT FROM
       (extract(year FROM date_id)::int, extract(month FROM date_id)::int, extract(day FROM date_id)::int,
        extract(isodow FROM date_id)::int, trim(to_char(date_id, 'Day')), trim(to_char(date_id, 'Month')),
        extract(quarter FROM date_id)::int)`,
  );
  if (missingDates.length > 0 || wrongAttributes.length > 0) {
    differences.push({
      table: 'dim_date',
      missing: missingDates.slice(0, 5),
      unexpected: wrongAttributes.slice(0, 5),
    });
  }
  return differences;
}
