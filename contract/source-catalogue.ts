/**
 * The totesys table catalogue: the one list of source tables, keys, columns and foreign keys
 * that every stage and the infrastructure read. SQL built anywhere in Deliverance takes
 * identifiers only from here (or from the warehouse catalogue), so a name that is not in the
 * catalogue can never reach a query. Pure data: this folder imports nothing.
 */
import { topologicalOrder } from './topological-order';

export type SourceColumnType = 'integer' | 'text' | 'numeric' | 'timestamp' | 'boolean';

export interface SourceColumn {
  readonly name: string;
  readonly type: SourceColumnType;
  readonly nullable: boolean;
  /**
   * The PostgreSQL type totesys declares, as information_schema spells it with its width
   * (`numeric(10,2)`, `timestamp(3) without time zone`, an enum's name): the baseline a change
   * within the type's family (a `resized` column, lambdas/ingest/column-resize.ts) is seen from.
   */
  readonly sourceType: string;
}

export interface SourceTable {
  readonly name: SourceTableName;
  /** `<table>_id`, the first column. */
  readonly primaryKey: string;
  /** `<table>_id`, the declared columns, then created_at and last_updated. */
  readonly columns: readonly SourceColumn[];
  /** Foreign keys: column → the table whose primary key it holds. */
  readonly references: Readonly<Record<string, SourceTableName>>;
}

interface Definition {
  readonly columns: readonly SourceColumn[];
  readonly references: Readonly<Record<string, string>>;
}

/** A column with its literal name and type, so the row type of its table can be derived. */
interface Column<N extends string, T extends SourceColumnType> extends SourceColumn {
  readonly name: N;
  readonly type: T;
}

/** The source type of each catalogue type unless a column says otherwise (sql/totesys/schema.sql). */
const SOURCE_TYPE: { readonly [T in SourceColumnType]: string } = {
  integer: 'integer',
  text: 'text',
  numeric: 'numeric',
  timestamp: 'timestamp(3) without time zone',
  boolean: 'boolean',
};

const col = <N extends string, T extends SourceColumnType>(
  name: N,
  type: T,
  nullable = false,
  sourceType = SOURCE_TYPE[type],
): Column<N, T> => ({ name, type, nullable, sourceType });

const audit = [col('created_at', 'timestamp'), col('last_updated', 'timestamp')] as const;

const DEFINITIONS = {
  address: {
    columns: [
      col('address_line_1', 'text'),
      col('address_line_2', 'text', true),
      col('district', 'text', true),
      col('city', 'text'),
      col('postal_code', 'text'),
      col('country', 'text'),
      col('phone', 'text'),
    ],
    references: {},
  },
  counterparty: {
    columns: [
      col('counterparty_legal_name', 'text'),
      col('legal_address_id', 'integer'),
      col('commercial_contact', 'text', true),
      col('delivery_contact', 'text', true),
    ],
    references: { legal_address_id: 'address' },
  },
  currency: {
    columns: [col('currency_code', 'text')],
    references: {},
  },
  department: {
    columns: [
      col('department_name', 'text'),
      col('location', 'text', true),
      col('manager', 'text', true),
    ],
    references: {},
  },
  design: {
    columns: [col('design_name', 'text'), col('file_location', 'text'), col('file_name', 'text')],
    references: {},
  },
  payment_type: {
    columns: [col('payment_type_name', 'text', false, 'payment_type_name')],
    references: {},
  },
  staff: {
    columns: [
      col('first_name', 'text'),
      col('last_name', 'text'),
      col('department_id', 'integer'),
      col('email_address', 'text'),
    ],
    references: { department_id: 'department' },
  },
  sales_order: {
    columns: [
      col('design_id', 'integer'),
      col('staff_id', 'integer'),
      col('counterparty_id', 'integer'),
      col('units_sold', 'integer'),
      col('unit_price', 'numeric', false, 'numeric(10,2)'),
      col('currency_id', 'integer'),
      col('agreed_delivery_date', 'text'),
      col('agreed_payment_date', 'text'),
      col('agreed_delivery_location_id', 'integer'),
    ],
    references: {
      design_id: 'design',
      staff_id: 'staff',
      counterparty_id: 'counterparty',
      currency_id: 'currency',
      agreed_delivery_location_id: 'address',
    },
  },
  purchase_order: {
    columns: [
      col('staff_id', 'integer'),
      col('counterparty_id', 'integer'),
      col('item_code', 'text'),
      col('item_quantity', 'integer'),
      col('item_unit_price', 'numeric'),
      col('currency_id', 'integer'),
      col('agreed_delivery_date', 'text'),
      col('agreed_payment_date', 'text'),
      col('agreed_delivery_location_id', 'integer'),
    ],
    references: {
      staff_id: 'staff',
      counterparty_id: 'counterparty',
      currency_id: 'currency',
      agreed_delivery_location_id: 'address',
    },
  },
  transaction: {
    columns: [
      col('transaction_type', 'text', false, 'transaction_type'),
      col('sales_order_id', 'integer', true),
      col('purchase_order_id', 'integer', true),
    ],
    references: { sales_order_id: 'sales_order', purchase_order_id: 'purchase_order' },
  },
  payment: {
    columns: [
      col('transaction_id', 'integer'),
      col('counterparty_id', 'integer'),
      col('payment_amount', 'numeric'),
      col('currency_id', 'integer'),
      col('payment_type_id', 'integer'),
      col('paid', 'boolean'),
      col('payment_date', 'text'),
      col('company_ac_number', 'integer'),
      col('counterparty_ac_number', 'integer'),
    ],
    references: {
      transaction_id: 'transaction',
      counterparty_id: 'counterparty',
      currency_id: 'currency',
      payment_type_id: 'payment_type',
    },
  },
} as const satisfies Record<string, Definition>;

export type SourceTableName = keyof typeof DEFINITIONS;

/** The columns of a source table, `staff_id`, the declared ones, `created_at` and `last_updated`. */
export type SourceColumnOf<S extends SourceTableName> =
  `${S}_id` | (typeof DEFINITIONS)[S]['columns'][number]['name'] | (typeof audit)[number]['name'];

/**
 * One landed row of a source table: every catalogue column by name. The values stay JSON
 * scalars, as the transform's readers take them: each reader checks its column's type and
 * names the row when it is wrong, so a row is never trusted by its type alone.
 */
export type SourceRowOf<S extends SourceTableName> = {
  [C in SourceColumnOf<S>]: string | number | boolean | null;
};

/** The declared columns of a source table of one type: `SourceColumnOfType<'staff', 'text'>`. */
export type SourceColumnOfType<S extends SourceTableName, T extends SourceColumnType> = Extract<
  (typeof DEFINITIONS)[S]['columns'][number],
  { readonly type: T }
>['name'];

/** The foreign-key columns of a source table. */
export type ForeignKeyOf<S extends SourceTableName> = keyof (typeof DEFINITIONS)[S]['references'] &
  string;

/** The table a foreign-key column of `S` refers to. */
export type ReferencedBy<
  S extends SourceTableName,
  F extends ForeignKeyOf<S>,
> = (typeof DEFINITIONS)[S]['references'][F] & SourceTableName;

const NAMES = Object.keys(DEFINITIONS) as SourceTableName[];

function sourceTable(name: SourceTableName): SourceTable {
  const definition: Definition = DEFINITIONS[name];
  return {
    name,
    primaryKey: `${name}_id`,
    columns: [col(`${name}_id`, 'integer'), ...definition.columns, ...audit],
    // Every value names a catalogue table: SOURCE_TABLE_NAMES below checks it as it loads.
    references: definition.references as Readonly<Record<string, SourceTableName>>,
  };
}

export const SOURCE_TABLES = Object.fromEntries(
  NAMES.map((name) => [name, sourceTable(name)]),
) as Readonly<Record<SourceTableName, SourceTable>>;

/**
 * In foreign-key order, derived from the references: every table comes after the tables it
 * refers to (ingest reads, and the seed fills, in this order). Throws at load for a reference to
 * a table the catalogue does not hold, or a cycle.
 */
export const SOURCE_TABLE_NAMES: readonly SourceTableName[] = topologicalOrder(NAMES, (name) =>
  Object.values(SOURCE_TABLES[name].references),
);

export function isSourceTableName(name: string): name is SourceTableName {
  return Object.hasOwn(DEFINITIONS, name);
}
