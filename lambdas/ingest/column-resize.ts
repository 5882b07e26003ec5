/**
 * Whether a source column whose type changed within its family (`resized`: a width, precision or
 * scale, or another member of the family the transform reads the same way) can make the
 * warehouse alter or refuse a value the column could hold before. Pure: the type texts are
 * information_schema's, as live-columns.ts writes them (`numeric(12,4)`, `bigint`).
 *
 * Only two families are narrower in the warehouse than in PostgreSQL: integers (the warehouse's
 * are `int`, and the transform refuses a value beyond 32 bits) and numerics (the warehouse's are
 * numeric(10,2), and the transform sets aside a value with more places rather than round it).
 * Text is `text` there and times keep microseconds, PostgreSQL's finest, so no resize of those
 * can reach past the warehouse.
 */
import type { SourceTableName } from '../shared/core/catalogue';
import { DECIMAL_PRECISION, DECIMAL_SCALE } from '../shared/core/value-codecs';
import {
  warehouseTable,
  type WarehouseColumnType,
  type WarehouseTableName,
} from '../shared/core/warehouse-catalogue';

/** A column's change of type: SchemaChange's fields, a null type being none at all. */
export interface Resize {
  readonly table: SourceTableName;
  readonly column: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** How far a source type reaches, in the measures the warehouse bounds. */
type Reach =
  | { readonly family: 'integer'; readonly bits: number }
  | { readonly family: 'numeric'; readonly integerDigits: number; readonly scale: number };

const INTEGER_BITS: Readonly<Record<string, number>> = { smallint: 16, integer: 32, bigint: 64 };

/** The warehouse's integer columns are `int`. */
const WAREHOUSE_INTEGER_BITS = 32;

/** `numeric(p,s)`; PostgreSQL 15 takes a negative scale, or one above the precision. */
const BOUNDED_NUMERIC = /^numeric\((\d+),(-?\d+)\)$/;

/** How far `type` reaches, or undefined for a type of a family the warehouse does not bound. */
function reachOf(type: string | null): Reach | undefined {
  if (type === null) return undefined;
  const bits = INTEGER_BITS[type];
  if (bits !== undefined) return { family: 'integer', bits };
  // Unconstrained numeric: as many digits as PostgreSQL keeps, on either side of the point.
  if (type === 'numeric') return { family: 'numeric', integerDigits: Infinity, scale: Infinity };
  const bounded = BOUNDED_NUMERIC.exec(type);
  if (!bounded) return undefined;
  const precision = Number(bounded[1]);
  const scale = Number(bounded[2]);
  return { family: 'numeric', integerDigits: precision - scale, scale };
}

/**
 * The warehouse tables built from each source table's rows (lambdas/transform/tables/specs.ts):
 * where a source column's warehouse column of the same name is looked for. department's rows
 * only lend dim_staff their name and location.
 */
export const BUILT_FROM: { readonly [S in SourceTableName]: readonly WarehouseTableName[] } = {
  address: ['dim_location'],
  counterparty: ['dim_counterparty'],
  currency: ['dim_currency'],
  department: [],
  design: ['dim_design'],
  payment_type: ['dim_payment_type'],
  staff: ['dim_staff'],
  sales_order: ['fact_sales_order'],
  purchase_order: ['fact_purchase_order'],
  transaction: ['dim_transaction'],
  payment: ['fact_payment'],
};

const WAREHOUSE_TYPE = {
  integer: { type: 'integer', text: 'int' },
  numeric: { type: 'decimal', text: `numeric(${DECIMAL_PRECISION},${DECIMAL_SCALE})` },
} as const satisfies Record<Reach['family'], { type: WarehouseColumnType; text: string }>;

/** `fact_sales_order.unit_price numeric(10,2)`, or the type alone where no column has the name. */
function warehouseColumn(table: SourceTableName, column: string, family: Reach['family']): string {
  const { type, text } = WAREHOUSE_TYPE[family];
  const holder = BUILT_FROM[table].find((name) =>
    warehouseTable(name)?.columns.some((c) => c.name === column && c.type === type),
  );
  return holder === undefined ? text : `${holder}.${column} ${text}`;
}

/**
 * What the warehouse would alter or refuse of a column resized from `before` to `after`, or
 * undefined when it holds every value the column could hold before. A measure matters only
 * where it grew, and grew past the warehouse's: a numeric(10,2) that becomes numeric(12,4) gains
 * places the warehouse does not keep; an unconstrained numeric that becomes numeric(12,4) holds
 * less than it did, and its rows are read one by one as before.
 *
 * @example
 * resizeHarm({ table: 'sales_order', column: 'unit_price', before: 'numeric(10,2)', after: 'numeric(12,4)' });
 * // 'the warehouse keeps it as fact_sales_order.unit_price numeric(10,2), which holds no more than 2 decimal places'
 * resizeHarm({ table: 'design', column: 'file_name', before: 'text', after: 'character varying(40)' }); // undefined
 */
export function resizeHarm(change: Resize): string | undefined {
  const { table, column, before, after } = change;
  const was = reachOf(before);
  const now = reachOf(after);
  if (was === undefined || now === undefined) return undefined;
  const grewPast = (from: number, to: number, limit: number) => to > from && to > limit;
  let bound: string | undefined;
  if (was.family === 'integer' && now.family === 'integer') {
    if (grewPast(was.bits, now.bits, WAREHOUSE_INTEGER_BITS)) {
      bound = `no integer beyond ${WAREHOUSE_INTEGER_BITS} bits`;
    }
  } else if (was.family === 'numeric' && now.family === 'numeric') {
    if (grewPast(was.scale, now.scale, DECIMAL_SCALE)) {
      bound = `no more than ${DECIMAL_SCALE} decimal places`;
    } else if (grewPast(was.integerDigits, now.integerDigits, DECIMAL_PRECISION - DECIMAL_SCALE)) {
      bound = `no more than ${DECIMAL_PRECISION - DECIMAL_SCALE} digits before the point`;
    }
  }
  return bound === undefined
    ? undefined
    : `the warehouse keeps it as ${warehouseColumn(table, column, now.family)}, which holds ${bound}`;
}
