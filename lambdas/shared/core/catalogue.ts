/**
 * The totesys table catalogue: the one list of source tables, keys and columns that every
 * stage reads. SQL built anywhere in Deliverance takes identifiers only from here (or from the
 * warehouse catalogue), so a name that is not in the catalogue can never reach a query.
 */

export type SourceColumnType = 'integer' | 'text' | 'numeric' | 'timestamp' | 'boolean';

export interface SourceColumn {
  readonly name: string;
  readonly type: SourceColumnType;
  readonly nullable: boolean;
}

export interface SourceTable {
  readonly name: SourceTableName;
  readonly primaryKey: string;
  readonly columns: readonly SourceColumn[];
}

/** In foreign-key order: every table comes after the tables it refers to. */
export const SOURCE_TABLE_NAMES = [
  'address',
  'counterparty',
  'currency',
  'department',
  'design',
  'payment_type',
  'staff',
  'sales_order',
  'purchase_order',
  'transaction',
  'payment',
] as const;

export type SourceTableName = (typeof SOURCE_TABLE_NAMES)[number];

const col = (name: string, type: SourceColumnType, nullable = false): SourceColumn => ({
  name,
  type,
  nullable,
});

const audit = [col('created_at', 'timestamp'), col('last_updated', 'timestamp')];

const table = (name: SourceTableName, columns: SourceColumn[]): SourceTable => ({
  name,
  primaryKey: `${name}_id`,
  columns: [col(`${name}_id`, 'integer'), ...columns, ...audit],
});

export const SOURCE_TABLES: Readonly<Record<SourceTableName, SourceTable>> = {
  address: table('address', [
    col('address_line_1', 'text'),
    col('address_line_2', 'text', true),
    col('district', 'text', true),
    col('city', 'text'),
    col('postal_code', 'text'),
    col('country', 'text'),
    col('phone', 'text'),
  ]),
  counterparty: table('counterparty', [
    col('counterparty_legal_name', 'text'),
    col('legal_address_id', 'integer'),
    col('commercial_contact', 'text', true),
    col('delivery_contact', 'text', true),
  ]),
  currency: table('currency', [col('currency_code', 'text')]),
  department: table('department', [
    col('department_name', 'text'),
    col('location', 'text', true),
    col('manager', 'text', true),
  ]),
  design: table('design', [
    col('design_name', 'text'),
    col('file_location', 'text'),
    col('file_name', 'text'),
  ]),
  payment_type: table('payment_type', [col('payment_type_name', 'text')]),
  staff: table('staff', [
    col('first_name', 'text'),
    col('last_name', 'text'),
    col('department_id', 'integer'),
    col('email_address', 'text'),
  ]),
  sales_order: table('sales_order', [
    col('design_id', 'integer'),
    col('staff_id', 'integer'),
    col('counterparty_id', 'integer'),
    col('units_sold', 'integer'),
    col('unit_price', 'numeric'),
    col('currency_id', 'integer'),
    col('agreed_delivery_date', 'text'),
    col('agreed_payment_date', 'text'),
    col('agreed_delivery_location_id', 'integer'),
  ]),
  purchase_order: table('purchase_order', [
    col('staff_id', 'integer'),
    col('counterparty_id', 'integer'),
    col('item_code', 'text'),
    col('item_quantity', 'integer'),
    col('item_unit_price', 'numeric'),
    col('currency_id', 'integer'),
    col('agreed_delivery_date', 'text'),
    col('agreed_payment_date', 'text'),
    col('agreed_delivery_location_id', 'integer'),
  ]),
  transaction: table('transaction', [
    col('transaction_type', 'text'),
    col('sales_order_id', 'integer', true),
    col('purchase_order_id', 'integer', true),
  ]),
  payment: table('payment', [
    col('transaction_id', 'integer'),
    col('counterparty_id', 'integer'),
    col('payment_amount', 'numeric'),
    col('currency_id', 'integer'),
    col('payment_type_id', 'integer'),
    col('paid', 'boolean'),
    col('payment_date', 'text'),
    col('company_ac_number', 'integer'),
    col('counterparty_ac_number', 'integer'),
  ]),
};

export function isSourceTableName(name: string): name is SourceTableName {
  return (SOURCE_TABLE_NAMES as readonly string[]).includes(name);
}

/** Quotes an identifier that the catalogue vouches for; anything else is refused. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(`Refusing to quote identifier ${JSON.stringify(name)}: not a catalogue name`);
  }
  return `"${name}"`;
}
