/**
 * The warehouse catalogue: the star schema's tables, their keys, column types and foreign
 * keys. The transform shapes rows by it, the Parquet writer types columns by it, the load stage
 * builds its SQL and its order from it, and the infrastructure scopes access by its names, so a
 * warehouse name never comes from anywhere else. Pure data: this folder imports nothing.
 */
import { topologicalOrder } from './topological-order';

/** `date` is 'YYYY-MM-DD'; `time` is 'HH:MM:SS.mmm'; `decimal` is exact decimal text. */
export type WarehouseColumnType = 'integer' | 'text' | 'decimal' | 'date' | 'time' | 'boolean';

export interface WarehouseColumn {
  readonly name: string;
  readonly type: WarehouseColumnType;
  readonly nullable: boolean;
}

/** A column with its literal name, type and nullability, so a row type can be derived from it. */
interface Column<N extends string, T extends WarehouseColumnType, U extends boolean> {
  readonly name: N;
  readonly type: T;
  readonly nullable: U;
}

interface WarehouseTableBase {
  readonly name: string;
  readonly columns: readonly WarehouseColumn[];
  /** Foreign keys: column → the table whose key it holds. */
  readonly references: Readonly<Record<string, string>>;
}

/** SCD type 1: one row per natural key, updated in place when a value changed. */
export interface DimensionTable extends WarehouseTableBase {
  readonly kind: 'dimension';
  readonly key: string;
  /**
   * Built from source rows, so each row carries the newest source last_updated it was built
   * from (`source_updated_at`) and an older version never overwrites a newer one. A dimension
   * computed from nothing but its key (dim_date, from the calendar) never changes and has none.
   */
  readonly sourceVersioned: boolean;
}

/** One row per version of a source row, a version being (source id, last_updated). */
export interface FactTable extends WarehouseTableBase {
  readonly kind: 'fact';
  readonly recordId: string;
  readonly sourceId: string;
  /** The columns of the version key, besides sourceId. */
  readonly versionColumns: readonly [string, string];
}

export type WarehouseTable = DimensionTable | FactTable;

const c = <N extends string, T extends WarehouseColumnType, U extends boolean = false>(
  name: N,
  type: T,
  nullable?: U,
): Column<N, T, U> => ({ name, type, nullable: (nullable ?? false) as U });

const audit = [
  c('created_date', 'date'),
  c('created_time', 'time'),
  c('last_updated_date', 'date'),
  c('last_updated_time', 'time'),
] as const;

export const DIMENSIONS = {
  dim_date: {
    kind: 'dimension',
    name: 'dim_date',
    key: 'date_id',
    sourceVersioned: false,
    references: {},
    columns: [
      c('date_id', 'date'),
      c('year', 'integer'),
      c('month', 'integer'),
      c('day', 'integer'),
      c('day_of_week', 'integer'),
      c('day_name', 'text'),
      c('month_name', 'text'),
      c('quarter', 'integer'),
    ],
  },
  dim_staff: {
    kind: 'dimension',
    name: 'dim_staff',
    key: 'staff_id',
    sourceVersioned: true,
    references: {},
    columns: [
      c('staff_id', 'integer'),
      c('first_name', 'text'),
      c('last_name', 'text'),
      c('department_name', 'text'),
      c('location', 'text', true),
      c('email_address', 'text'),
    ],
  },
  dim_location: {
    kind: 'dimension',
    name: 'dim_location',
    key: 'location_id',
    sourceVersioned: true,
    references: {},
    columns: [
      c('location_id', 'integer'),
      c('address_line_1', 'text'),
      c('address_line_2', 'text', true),
      c('district', 'text', true),
      c('city', 'text'),
      c('postal_code', 'text'),
      c('country', 'text'),
      c('phone', 'text'),
    ],
  },
  dim_currency: {
    kind: 'dimension',
    name: 'dim_currency',
    key: 'currency_id',
    sourceVersioned: true,
    references: {},
    columns: [c('currency_id', 'integer'), c('currency_code', 'text'), c('currency_name', 'text')],
  },
  dim_design: {
    kind: 'dimension',
    name: 'dim_design',
    key: 'design_id',
    sourceVersioned: true,
    references: {},
    columns: [
      c('design_id', 'integer'),
      c('design_name', 'text'),
      c('file_location', 'text'),
      c('file_name', 'text'),
    ],
  },
  dim_counterparty: {
    kind: 'dimension',
    name: 'dim_counterparty',
    key: 'counterparty_id',
    sourceVersioned: true,
    references: {},
    columns: [
      c('counterparty_id', 'integer'),
      c('counterparty_legal_name', 'text'),
      c('counterparty_legal_address_line_1', 'text'),
      c('counterparty_legal_address_line_2', 'text', true),
      c('counterparty_legal_district', 'text', true),
      c('counterparty_legal_city', 'text'),
      c('counterparty_legal_postal_code', 'text'),
      c('counterparty_legal_country', 'text'),
      c('counterparty_legal_phone_number', 'text'),
    ],
  },
  dim_transaction: {
    kind: 'dimension',
    name: 'dim_transaction',
    key: 'transaction_id',
    sourceVersioned: true,
    references: {},
    columns: [
      c('transaction_id', 'integer'),
      c('transaction_type', 'text'),
      c('sales_order_id', 'integer', true),
      c('purchase_order_id', 'integer', true),
    ],
  },
  dim_payment_type: {
    kind: 'dimension',
    name: 'dim_payment_type',
    key: 'payment_type_id',
    sourceVersioned: true,
    references: {},
    columns: [c('payment_type_id', 'integer'), c('payment_type_name', 'text')],
  },
} as const satisfies Record<string, DimensionTable>;

export const FACTS = {
  fact_sales_order: {
    kind: 'fact',
    name: 'fact_sales_order',
    recordId: 'sales_record_id',
    sourceId: 'sales_order_id',
    versionColumns: ['last_updated_date', 'last_updated_time'],
    references: {
      created_date: 'dim_date',
      last_updated_date: 'dim_date',
      sales_staff_id: 'dim_staff',
      counterparty_id: 'dim_counterparty',
      currency_id: 'dim_currency',
      design_id: 'dim_design',
      agreed_payment_date: 'dim_date',
      agreed_delivery_date: 'dim_date',
      agreed_delivery_location_id: 'dim_location',
    },
    columns: [
      c('sales_order_id', 'integer'),
      ...audit,
      c('sales_staff_id', 'integer'),
      c('counterparty_id', 'integer'),
      c('units_sold', 'integer'),
      c('unit_price', 'decimal'),
      c('currency_id', 'integer'),
      c('design_id', 'integer'),
      c('agreed_payment_date', 'date'),
      c('agreed_delivery_date', 'date'),
      c('agreed_delivery_location_id', 'integer'),
    ],
  },
  fact_purchase_order: {
    kind: 'fact',
    name: 'fact_purchase_order',
    recordId: 'purchase_record_id',
    sourceId: 'purchase_order_id',
    versionColumns: ['last_updated_date', 'last_updated_time'],
    references: {
      created_date: 'dim_date',
      last_updated_date: 'dim_date',
      staff_id: 'dim_staff',
      counterparty_id: 'dim_counterparty',
      currency_id: 'dim_currency',
      agreed_delivery_date: 'dim_date',
      agreed_payment_date: 'dim_date',
      agreed_delivery_location_id: 'dim_location',
    },
    columns: [
      c('purchase_order_id', 'integer'),
      ...audit,
      c('staff_id', 'integer'),
      c('counterparty_id', 'integer'),
      c('item_code', 'text'),
      c('item_quantity', 'integer'),
      c('item_unit_price', 'decimal'),
      c('currency_id', 'integer'),
      c('agreed_delivery_date', 'date'),
      c('agreed_payment_date', 'date'),
      c('agreed_delivery_location_id', 'integer'),
    ],
  },
  fact_payment: {
    kind: 'fact',
    name: 'fact_payment',
    recordId: 'payment_record_id',
    sourceId: 'payment_id',
    versionColumns: ['last_updated_date', 'last_updated_time'],
    references: {
      created_date: 'dim_date',
      last_updated_date: 'dim_date',
      transaction_id: 'dim_transaction',
      counterparty_id: 'dim_counterparty',
      currency_id: 'dim_currency',
      payment_type_id: 'dim_payment_type',
      payment_date: 'dim_date',
    },
    columns: [
      c('payment_id', 'integer'),
      ...audit,
      c('transaction_id', 'integer'),
      c('counterparty_id', 'integer'),
      c('payment_amount', 'decimal'),
      c('currency_id', 'integer'),
      c('payment_type_id', 'integer'),
      c('paid', 'boolean'),
      c('payment_date', 'date'),
    ],
  },
} as const satisfies Record<string, FactTable>;

export type DimensionName = keyof typeof DIMENSIONS;
export type FactName = keyof typeof FACTS;
export type WarehouseTableName = DimensionName | FactName;

const BY_NAME: Readonly<Record<WarehouseTableName, WarehouseTable>> = { ...DIMENSIONS, ...FACTS };

/**
 * Load order, derived from the foreign keys: every table after the tables it refers to (the
 * dimensions before the facts that point at them). Throws at load for a reference to a table
 * the catalogue does not hold, or a cycle.
 */
export const WAREHOUSE_TABLES: readonly WarehouseTable[] = topologicalOrder(
  Object.keys(BY_NAME) as WarehouseTableName[],
  (name) => Object.values(BY_NAME[name].references),
).map((name) => BY_NAME[name]);

export function warehouseTable(name: string): WarehouseTable | undefined {
  return Object.hasOwn(BY_NAME, name) ? BY_NAME[name as WarehouseTableName] : undefined;
}

/** Whether a table's rows carry `source_updated_at` (see DimensionTable.sourceVersioned). */
export function hasSourceVersion(table: WarehouseTable): boolean {
  return table.kind === 'dimension' && table.sourceVersioned;
}

/**
 * A row of a table the code does not know at compile time (the Parquet writer, the load's COPY):
 * values already in the column's text or number form. Where the table is known, use
 * {@link RowOf}.
 */
export type WarehouseRow = Record<string, string | number | boolean | null>;

/** A landed source row of a table the code does not know at compile time; else `SourceRowOf`. */
export type SourceRow = Record<string, string | number | boolean | null>;

type Catalogue = typeof DIMENSIONS & typeof FACTS;

/** A warehouse table as the catalogue declares it, its names and types literal. */
export type CatalogueTable<N extends WarehouseTableName> = Catalogue[N];

type ColumnsOf<N extends WarehouseTableName> = Catalogue[N]['columns'][number];

/** The names of a warehouse table's catalogue columns: `ColumnOf<'dim_staff'>` is `'staff_id' | …`. */
export type ColumnOf<N extends WarehouseTableName> = ColumnsOf<N>['name'];

/** How the transform writes each column type (see WarehouseColumnType). */
interface ValueOfType {
  integer: number;
  text: string;
  decimal: string;
  date: string;
  time: string;
  boolean: boolean;
}

type ValueOf<C extends WarehouseColumn> =
  ValueOfType[C['type']] | (C['nullable'] extends true ? null : never);

/**
 * One row of a warehouse table as the transform writes it: every catalogue column by its name
 * and type (null only where nullable), and `source_updated_at` where the table is
 * source-versioned. A shaper returning `RowOf<'dim_staff'>[]` does not compile while it misses
 * or misspells a column.
 *
 * @example
 * const row: RowOf<'dim_payment_type'> = {
 *   payment_type_id: 1,
 *   payment_type_name: 'SALES_RECEIPT',
 *   source_updated_at: '2024-03-01T09:15:02.123Z',
 * };
 */
export type RowOf<N extends WarehouseTableName> = {
  [C in ColumnsOf<N> as C['name']]: ValueOf<C>;
} & (Catalogue[N] extends { readonly sourceVersioned: true }
  ? { source_updated_at: string }
  : unknown);
