import type { Pool } from 'pg';
import {
  SOURCE_TABLES,
  type SourceColumnOf,
  type SourceTableName,
} from '../../../contract/source-catalogue';
import { DELETED_KEYS_REACH, SOURCE_DELETED_AT } from '../../../contract/source-deletes';
import {
  hasSourceVersion,
  warehouseTable,
  type CatalogueTable,
  type ColumnOf,
  type WarehouseTableName,
} from '../../../contract/warehouse-catalogue';

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
 *
 * A row the source deletes is kept by the warehouse, marked with `source_deleted_at`; the
 * trigger keeps each deleted row too (`reference_history.gone_<table>`). A dimension row whose key
 * the source no longer has is expected as the source last held it, marked deleted; a fact
 * version is expected marked when its key was deleted at or after that version (a key deleted
 * and re-inserted keeps its old versions marked, its new ones not). Every other row is expected
 * unmarked.
 */
const CLDR_NAMES = new Intl.DisplayNames('en', { type: 'currency', fallback: 'none' });

/**
 * Each source currency code with its English name from the runtime's CLDR data: a list kept
 * apart from the transform's own ISO 4217 table (they agree on every code the seed uses; CLDR
 * spells a few rare codes differently, e.g. AED, which the seed never holds).
 */
async function currencyNames(source: Pool): Promise<unknown[]> {
  const result = await source.query<{ code: string }>(
    `SELECT currency_code AS code FROM currency UNION SELECT currency_code FROM ${HISTORY}.gone_currency`,
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
/** The source tables whose deleted rows the reference keeps: every table some warehouse row shows. */
const DELETABLE = Object.keys(DELETED_KEYS_REACH) as SourceTableName[];
const gone = (table: SourceTableName) => `${HISTORY}.gone_${table}`;
const keyOf = (table: SourceTableName) => SOURCE_TABLES[table].primaryKey;
/** The catalogue's columns only: a column the source gained since is not the reference's. */
const catalogueColumns = (table: SourceTableName, alias: string) =>
  SOURCE_TABLES[table].columns.map((c) => `${alias}.${c.name}`).join(', ');

/**
 * A source table's rows and, for each key it no longer has, the row as it was last deleted:
 * what a dimension built from it must show.
 */
const everyRow = (table: SourceTableName) =>
  `(SELECT ${catalogueColumns(table, 'p')} FROM public.${table} p UNION ALL
    (SELECT DISTINCT ON (g.${keyOf(table)}) ${catalogueColumns(table, 'g')} FROM ${gone(table)} g
      WHERE NOT EXISTS (SELECT 1 FROM public.${table} x WHERE x.${keyOf(table)} = g.${keyOf(table)})
      ORDER BY g.${keyOf(table)}, g.last_updated DESC))`;

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
  await source.query(
    `CREATE FUNCTION ${HISTORY}.keep_gone() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       EXECUTE format('INSERT INTO ${HISTORY}.%I SELECT ($1).*', 'gone_' || TG_TABLE_NAME) USING OLD;
       RETURN NULL;
     END $$`,
  );
  for (const table of DELETABLE) {
    await source.query(`CREATE TABLE ${gone(table)} (LIKE public.${table})`);
    await source.query(
      `CREATE TRIGGER keep_gone AFTER DELETE ON public.${table}
       FOR EACH ROW EXECUTE FUNCTION ${HISTORY}.keep_gone()`,
    );
  }
  for (const table of FACT_SOURCES) {
    await source.query(`CREATE TABLE ${versions(table)} (LIKE public.${table})`);
    await source.query(`INSERT INTO ${versions(table)} SELECT * FROM public.${table}`);
    await source.query(
      `CREATE TRIGGER keep_version AFTER INSERT OR UPDATE ON public.${table}
       FOR EACH ROW EXECUTE FUNCTION ${HISTORY}.keep_version('${table}_id')`,
    );
  }
}

/**
 * How the reference computes one warehouse table over totesys. `from` is its source rows, the
 * table it is built from (`base`) aliased `as`; `columns` gives each catalogue column's SQL,
 * where a column of `base` by the same name stands for itself unless it is listed (so
 * `dim_staff.phone` is `s.phone` without a word here, and `dim_location.location_id` must be
 * said). The type holds every other catalogue column to an entry, so a new one is a compile
 * error here until the reference says how the source gives it. `version` is the source
 * last_updated a source-versioned dimension carries as source_updated_at.
 */
type Definition<T extends WarehouseTableName, S extends SourceTableName> = {
  readonly base?: S;
  readonly as?: string;
  readonly from: string;
  readonly columns: { readonly [C in Exclude<ColumnOf<T>, SourceColumnOf<S>>]: string } & {
    readonly [C in Extract<ColumnOf<T>, SourceColumnOf<S>>]?: string;
  };
  /** Values for the expected query's parameters, read from the source first. */
  readonly parameters?: (source: Pool) => Promise<unknown[]>;
} & (CatalogueTable<T> extends { readonly sourceVersioned: true }
  ? { readonly version: string }
  : { readonly version?: never });

/** The expected and actual queries of one table: the same columns in the catalogue's order. */
interface ReferencePair<T extends WarehouseTableName, S extends SourceTableName> {
  readonly table: T;
  /** The source table the warehouse table is built from, one row (or version) per row. */
  readonly base: S | undefined;
  readonly expected: string;
  readonly actual: string;
  readonly parameters?: (source: Pool) => Promise<unknown[]>;
}

function reference<T extends WarehouseTableName, S extends SourceTableName = never>(
  name: T,
  definition: Definition<T, S>,
): ReferencePair<T, S> {
  const table = warehouseTable(name)!;
  const columns: Readonly<Record<string, string | undefined>> = definition.columns;
  const sourceOf = (column: string) => columns[column] ?? `${definition.as}.${column}`;
  const versioned = definition.version === undefined ? [] : [definition.version];
  const base = definition.base;
  const deletable = base !== undefined && DELETED_KEYS_REACH[base]?.table === name;
  const expectedDeleted = !deletable
    ? []
    : [table.kind === 'fact' ? factGone(base, definition.as!) : rowGone(base, definition.as!)];
  return {
    table: name,
    base,
    expected: `SELECT ${[...table.columns.map((c) => sourceOf(c.name)), ...versioned.map(stamp), ...expectedDeleted].join(', ')}
               FROM ${definition.from}`,
    actual: `SELECT ${[
      ...table.columns.map((c) => (c.type === 'time' ? us(c.name) : c.name)),
      ...(hasSourceVersion(table) ? [stamp('source_updated_at')] : []),
      ...(deletable ? [`${SOURCE_DELETED_AT} IS NOT NULL`] : []),
    ].join(', ')}
             FROM ${name}`,
    parameters: definition.parameters,
  };
}

/** Whether the source no longer has the key of row `as` of `table`. */
const rowGone = (table: SourceTableName, as: string) =>
  `NOT EXISTS (SELECT 1 FROM public.${table} x WHERE x.${keyOf(table)} = ${as}.${keyOf(table)})`;

/** Whether the key of fact version `as` was deleted at or after that version. */
const factGone = (table: SourceTableName, as: string) =>
  `EXISTS (SELECT 1 FROM ${gone(table)} g WHERE g.${keyOf(table)} = ${as}.${keyOf(table)} AND g.last_updated >= ${as}.last_updated)`;

/** A fact version's audit columns, from the recorded version `as`. */
const factAudit = (as: string) => ({
  created_date: `${as}.created_at::date`,
  created_time: us(`${as}.created_at`),
  last_updated_date: `${as}.last_updated::date`,
  last_updated_time: us(`${as}.last_updated`),
});

/** The dates some recorded fact version refers to. */
const FACT_DATES = FACT_SOURCES.map(
  (t) => `SELECT created_at::date AS d FROM ${versions(t)}
          UNION SELECT last_updated::date FROM ${versions(t)}
          UNION SELECT ${t === 'payment' ? 'payment_date' : 'agreed_payment_date'}::date FROM ${versions(t)}
          ${t === 'payment' ? '' : `UNION SELECT agreed_delivery_date::date FROM ${versions(t)}`}`,
).join(' UNION ');

/** Every warehouse table's reference: a table the catalogue adds without one does not compile. */
export const REFERENCE = {
  dim_date: reference('dim_date', {
    // Exactly the dates some fact version refers to, each with its calendar attributes.
    from: `(${FACT_DATES}) dates`,
    columns: {
      date_id: 'd',
      year: 'extract(year FROM d)::int',
      month: 'extract(month FROM d)::int',
      day: 'extract(day FROM d)::int',
      day_of_week: 'extract(isodow FROM d)::int',
      day_name: `trim(to_char(d, 'Day'))`,
      month_name: `trim(to_char(d, 'Month'))`,
      quarter: 'extract(quarter FROM d)::int',
    },
  }),
  dim_location: reference('dim_location', {
    base: 'address',
    as: 'a',
    from: `${everyRow('address')} a`,
    columns: { location_id: 'a.address_id' },
    version: 'a.last_updated',
  }),
  dim_staff: reference('dim_staff', {
    base: 'staff',
    as: 's',
    from: `${everyRow('staff')} s JOIN ${everyRow('department')} d USING (department_id)`,
    columns: { department_name: 'd.department_name', location: 'd.location' },
    version: 'greatest(s.last_updated, d.last_updated)',
  }),
  dim_counterparty: reference('dim_counterparty', {
    base: 'counterparty',
    as: 'c',
    from: `${everyRow('counterparty')} c JOIN ${everyRow('address')} a ON a.address_id = c.legal_address_id`,
    columns: {
      counterparty_legal_address_line_1: 'a.address_line_1',
      counterparty_legal_address_line_2: 'a.address_line_2',
      counterparty_legal_district: 'a.district',
      counterparty_legal_city: 'a.city',
      counterparty_legal_postal_code: 'a.postal_code',
      counterparty_legal_country: 'a.country',
      counterparty_legal_phone_number: 'a.phone',
    },
    version: 'greatest(c.last_updated, a.last_updated)',
  }),
  dim_currency: reference('dim_currency', {
    base: 'currency',
    as: 'c',
    // The names come from the runtime's CLDR data (see currencyNames), not the transform's list.
    from: `${everyRow('currency')} c LEFT JOIN unnest($1::text[], $2::text[]) AS n (code, name) ON n.code = c.currency_code`,
    columns: { currency_name: `coalesce(n.name, 'Unknown currency (' || c.currency_code || ')')` },
    version: 'c.last_updated',
    parameters: currencyNames,
  }),
  dim_design: reference('dim_design', {
    base: 'design',
    as: 'd',
    from: `${everyRow('design')} d`,
    columns: {},
    version: 'd.last_updated',
  }),
  dim_transaction: reference('dim_transaction', {
    base: 'transaction',
    as: 't',
    from: `${everyRow('transaction')} t`,
    columns: { transaction_type: 't.transaction_type::text' },
    version: 't.last_updated',
  }),
  dim_payment_type: reference('dim_payment_type', {
    base: 'payment_type',
    as: 'p',
    from: `${everyRow('payment_type')} p`,
    columns: { payment_type_name: 'p.payment_type_name::text' },
    version: 'p.last_updated',
  }),
  fact_sales_order: reference('fact_sales_order', {
    base: 'sales_order',
    as: 'o',
    from: `${versions('sales_order')} o`,
    columns: {
      ...factAudit('o'),
      sales_staff_id: 'o.staff_id',
      unit_price: 'o.unit_price::numeric(10,2)',
      agreed_payment_date: 'o.agreed_payment_date::date',
      agreed_delivery_date: 'o.agreed_delivery_date::date',
    },
  }),
  fact_purchase_order: reference('fact_purchase_order', {
    base: 'purchase_order',
    as: 'o',
    from: `${versions('purchase_order')} o`,
    columns: {
      ...factAudit('o'),
      item_unit_price: 'o.item_unit_price::numeric(10,2)',
      agreed_delivery_date: 'o.agreed_delivery_date::date',
      agreed_payment_date: 'o.agreed_payment_date::date',
    },
  }),
  fact_payment: reference('fact_payment', {
    base: 'payment',
    as: 'p',
    from: `${versions('payment')} p`,
    columns: {
      ...factAudit('p'),
      payment_amount: 'p.payment_amount::numeric(10,2)',
      payment_date: 'p.payment_date::date',
    },
  }),
} satisfies { readonly [T in WarehouseTableName]: ReferencePair<T, SourceTableName> };

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
  readonly exceptKeys?: { readonly [T in WarehouseTableName]?: readonly number[] };
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
  for (const pair of Object.values(REFERENCE)) {
    const { table } = pair;
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
