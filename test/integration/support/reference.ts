import type { Pool } from 'pg';

/**
 * The warehouse as the OLTP data says it must be, computed by SQL over totesys alone — never by
 * the transform code — next to the query that reads the same shape from the warehouse: every
 * column but the facts' surrogate record ids, and for the facts every version.
 *
 * A fact version is one (source id, last_updated) the source held. The source tables do not
 * remember their past, so recordSourceHistory installs, in the test's own source database, a
 * trigger that copies every row written to sales_order, purchase_order and payment into a
 * history table (`reference_history`, outside the schema the ingest reads). The history is what
 * the source held; the pipeline can only store what an ingest read, so a test must let an
 * ingest run between two changes of the same fact row (every test here does).
 */
interface ReferencePair {
  readonly expected: string;
  readonly actual: string;
  /** Values for the expected query's parameters, read from the source first. */
  readonly parameters?: (source: Pool) => Promise<unknown[]>;
}

const CLDR_NAMES = new Intl.DisplayNames('en', { type: 'currency', fallback: 'none' });

/**
 * Each source currency code with its English name from the runtime's CLDR data: a list kept
 * apart from the transform's own ISO 4217 table (they agree on every code the seed uses; CLDR
 * spells a few rare codes differently, e.g. AED, which the seed never holds).
 */
async function currencyNames(source: Pool): Promise<unknown[]> {
  const result = await source.query<{ code: string }>(
    'SELECT DISTINCT currency_code AS code FROM currency',
  );
  const named = result.rows.flatMap(({ code }) => {
    const name = /^[A-Z]{3}$/.test(code) ? CLDR_NAMES.of(code) : undefined;
    return name === undefined ? [] : [{ code, name }];
  });
  return [named.map((n) => n.code), named.map((n) => n.name)];
}

/** A time of day at PostgreSQL's full precision, microseconds. */
const us = (column: string) => `to_char(${column}, 'HH24:MI:SS.US')`;
/** A timestamp at full precision, so a version stamp that lost its milliseconds shows. */
const stamp = (column: string) => `to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.US')`;

const HISTORY = 'reference_history';
const FACT_SOURCES = ['sales_order', 'purchase_order', 'payment'] as const;
const versions = (table: (typeof FACT_SOURCES)[number]) => `${HISTORY}.${table}`;

/**
 * Starts recording every version of the fact source rows: call it once the source is seeded,
 * before any change. The rows already there are their first versions. A row written twice with
 * the same last_updated (inside one transaction) is one version, its last write.
 */
export async function recordSourceHistory(source: Pool): Promise<void> {
  await source.query(`CREATE SCHEMA ${HISTORY}`);
  await source.query(
    `CREATE FUNCTION ${HISTORY}.keep_version() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       EXECUTE format('DELETE FROM ${HISTORY}.%I WHERE %I = ($1).%I AND last_updated = ($1).last_updated',
                      TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[0]) USING NEW;
       EXECUTE format('INSERT INTO ${HISTORY}.%I SELECT ($1).*', TG_TABLE_NAME) USING NEW;
       RETURN NULL;
     END $$`,
  );
  for (const table of FACT_SOURCES) {
    await source.query(`CREATE TABLE ${versions(table)} (LIKE public.${table})`);
    await source.query(`INSERT INTO ${versions(table)} SELECT * FROM public.${table}`);
    await source.query(
      `CREATE TRIGGER keep_version AFTER INSERT OR UPDATE ON public.${table}
       FOR EACH ROW EXECUTE FUNCTION ${HISTORY}.keep_version('${table}_id')`,
    );
  }
}

export const REFERENCE: Record<string, ReferencePair> = {
  dim_location: {
    expected: `SELECT address_id, address_line_1, address_line_2, district, city, postal_code, country, phone,
                      ${stamp('last_updated')} FROM address`,
    actual: `SELECT location_id, address_line_1, address_line_2, district, city, postal_code, country, phone,
                    ${stamp('source_updated_at')} FROM dim_location`,
  },
  dim_staff: {
    expected: `SELECT s.staff_id, s.first_name, s.last_name, d.department_name, d.location, s.email_address,
                      ${stamp('greatest(s.last_updated, d.last_updated)')}
               FROM staff s JOIN department d USING (department_id)`,
    actual: `SELECT staff_id, first_name, last_name, department_name, location, email_address,
                    ${stamp('source_updated_at')} FROM dim_staff`,
  },
  dim_counterparty: {
    expected: `SELECT c.counterparty_id, c.counterparty_legal_name, a.address_line_1, a.address_line_2, a.district,
                      a.city, a.postal_code, a.country, a.phone, ${stamp('greatest(c.last_updated, a.last_updated)')}
               FROM counterparty c JOIN address a ON a.address_id = c.legal_address_id`,
    actual: `SELECT counterparty_id, counterparty_legal_name, counterparty_legal_address_line_1,
                    counterparty_legal_address_line_2, counterparty_legal_district, counterparty_legal_city,
                    counterparty_legal_postal_code, counterparty_legal_country, counterparty_legal_phone_number,
                    ${stamp('source_updated_at')}
             FROM dim_counterparty`,
  },
  dim_currency: {
    // The names come from the runtime's CLDR data (see currencyNames), not the transform's list.
    expected: `SELECT c.currency_id, c.currency_code,
                      coalesce(n.name, 'Unknown currency (' || c.currency_code || ')'), ${stamp('c.last_updated')}
               FROM currency c LEFT JOIN unnest($1::text[], $2::text[]) AS n (code, name) ON n.code = c.currency_code`,
    actual: `SELECT currency_id, currency_code, currency_name, ${stamp('source_updated_at')} FROM dim_currency`,
    parameters: currencyNames,
  },
  dim_design: {
    expected: `SELECT design_id, design_name, file_location, file_name, ${stamp('last_updated')} FROM design`,
    actual: `SELECT design_id, design_name, file_location, file_name, ${stamp('source_updated_at')} FROM dim_design`,
  },
  dim_transaction: {
    expected: `SELECT transaction_id, transaction_type::text, sales_order_id, purchase_order_id, ${stamp('last_updated')}
               FROM transaction`,
    actual: `SELECT transaction_id, transaction_type, sales_order_id, purchase_order_id, ${stamp('source_updated_at')}
             FROM dim_transaction`,
  },
  dim_payment_type: {
    expected: `SELECT payment_type_id, payment_type_name::text, ${stamp('last_updated')} FROM payment_type`,
    actual: `SELECT payment_type_id, payment_type_name, ${stamp('source_updated_at')} FROM dim_payment_type`,
  },
  fact_sales_order: {
    expected: `SELECT sales_order_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      staff_id, counterparty_id, units_sold, unit_price::numeric(10,2), currency_id, design_id,
                      agreed_payment_date::date, agreed_delivery_date::date, agreed_delivery_location_id
               FROM ${versions('sales_order')}`,
    actual: `SELECT sales_order_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
                    sales_staff_id, counterparty_id, units_sold, unit_price, currency_id, design_id,
                    agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id
             FROM fact_sales_order`,
  },
  fact_purchase_order: {
    expected: `SELECT purchase_order_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      staff_id, counterparty_id, item_code, item_quantity, item_unit_price::numeric(10,2), currency_id,
                      agreed_delivery_date::date, agreed_payment_date::date, agreed_delivery_location_id
               FROM ${versions('purchase_order')}`,
    actual: `SELECT purchase_order_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
                    staff_id, counterparty_id, item_code, item_quantity, item_unit_price, currency_id,
                    agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id
             FROM fact_purchase_order`,
  },
  fact_payment: {
    expected: `SELECT payment_id, created_at::date, ${us('created_at')}, last_updated::date, ${us('last_updated')},
                      transaction_id, counterparty_id, payment_amount::numeric(10,2), currency_id, payment_type_id,
                      paid, payment_date::date
               FROM ${versions('payment')}`,
    actual: `SELECT payment_id, created_date, ${us('created_time')}, last_updated_date, ${us('last_updated_time')},
                    transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, payment_date
             FROM fact_payment`,
  },
};

/** dim_date: exactly the dates some fact version refers to, each with its calendar attributes. */
const DIM_DATE: ReferencePair = {
  expected: `SELECT d, extract(year FROM d)::int, extract(month FROM d)::int, extract(day FROM d)::int,
                    extract(isodow FROM d)::int, trim(to_char(d, 'Day')), trim(to_char(d, 'Month')),
                    extract(quarter FROM d)::int
             FROM (${FACT_SOURCES.map(
               (t) => `SELECT created_at::date AS d FROM ${versions(t)}
                       UNION SELECT last_updated::date FROM ${versions(t)}
                       UNION SELECT ${t === 'payment' ? 'payment_date' : 'agreed_payment_date'}::date FROM ${versions(t)}
                       ${t === 'payment' ? '' : `UNION SELECT agreed_delivery_date::date FROM ${versions(t)}`}`,
             ).join(' UNION ')}) dates`,
  actual: `SELECT date_id, year, month, day, day_of_week, day_name, month_name, quarter FROM dim_date`,
};

/** Rows as sorted JSON lines, every value as PostgreSQL's own text form. */
async function rowsAsText(pool: Pool, sql: string, values: unknown[] = []): Promise<string[]> {
  const result = await pool.query({ text: `SELECT * FROM (${sql}) q`, values, rowMode: 'array' });
  return (result.rows as unknown[][])
    .map((row) => JSON.stringify(row.map((v) => (v === null ? null : String(v)))))
    .sort();
}

export interface TableDifference {
  readonly table: string;
  readonly missing: string[];
  readonly unexpected: string[];
}

/** The rows of `of` not matched one for one in `in`: a duplicate counts. */
function unmatched(of: readonly string[], within: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const row of within) left.set(row, (left.get(row) ?? 0) + 1);
  return of.filter((row) => {
    const n = left.get(row) ?? 0;
    left.set(row, n - 1);
    return n <= 0;
  });
}

export interface CompareOptions {
  /**
   * Per warehouse table, keys (the first column) left out of both sides: a dimension row whose
   * newest version was set aside, so the warehouse rightly holds an older one.
   */
  readonly exceptKeys?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Forgets fact versions the pipeline set aside, so that the reference is the source minus
 * exactly those rows (facts and the dates they refer to alike). `lastUpdated` is the landed form
 * 'YYYY-MM-DDTHH:MM:SS.ffffffZ'; answers how many versions were forgotten.
 */
export async function forgetSourceVersion(
  source: Pool,
  table: (typeof FACT_SOURCES)[number],
  key: number,
  lastUpdated: string,
): Promise<number> {
  const result = await source.query(
    `DELETE FROM ${versions(table)} WHERE ${table}_id = $1
       AND to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') = $2`,
    [key, lastUpdated],
  );
  return result.rowCount ?? 0;
}

/**
 * Where the warehouse differs from the reference; an empty list means equal, row for row.
 *
 * @throws when recordSourceHistory was not called on this source: without it no fact version
 *   could be checked.
 */
export async function compareWithReference(
  source: Pool,
  warehouse: Pool,
  options: CompareOptions = {},
): Promise<TableDifference[]> {
  const recorded = await source.query<{ present: boolean }>(
    `SELECT to_regclass('${versions('payment')}') IS NOT NULL AS present`,
  );
  if (!recorded.rows[0]?.present) {
    throw new Error('compareWithReference needs recordSourceHistory(source) right after seeding');
  }
  const differences: TableDifference[] = [];
  for (const [table, pair] of [...Object.entries(REFERENCE), ['dim_date', DIM_DATE] as const]) {
    const except = new Set((options.exceptKeys?.[table] ?? []).map(String));
    const kept = (rows: string[]) =>
      except.size === 0
        ? rows
        : rows.filter((row) => !except.has((JSON.parse(row) as string[])[0]!));
    const [expected, actual] = (
      await Promise.all([
        rowsAsText(source, pair.expected, await pair.parameters?.(source)),
        rowsAsText(warehouse, pair.actual),
      ])
    ).map(kept) as [string[], string[]];
    const missing = unmatched(expected, actual);
    const unexpected = unmatched(actual, expected);
    if (missing.length > 0 || unexpected.length > 0) {
      differences.push({ table, missing: missing.slice(0, 5), unexpected: unexpected.slice(0, 5) });
    }
  }
  return differences;
}
