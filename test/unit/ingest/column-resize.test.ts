import { BUILT_FROM, resizeHarm } from '../../../lambdas/ingest/column-resize';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../../lambdas/shared/core/catalogue';
import { TABLE_SPECS } from '../../../lambdas/transform/tables/specs';

const harm = (table: SourceTableName, column: string, before: string, after: string) =>
  resizeHarm({ table, column, before, after });

describe('whether the warehouse holds a resized column', () => {
  const SCALE = 'which holds no more than 2 decimal places';
  const DIGITS = 'which holds no more than 8 digits before the point';
  const BITS = 'which holds no integer beyond 32 bits';
  it.each([
    // numeric: the scale or the digits before the point grow past numeric(10,2)'s
    ['numeric(10,2)', 'numeric(12,4)', SCALE],
    ['numeric(10,2)', 'numeric(10,3)', SCALE],
    ['numeric(10,2)', 'numeric(12,2)', DIGITS],
    ['numeric(10,2)', 'numeric(11,2)', DIGITS],
    ['numeric(10,2)', 'numeric(12,0)', DIGITS],
    ['numeric(10,2)', 'numeric(13,4)', SCALE],
    ['numeric(10,2)', 'numeric', SCALE],
    ['numeric(8,2)', 'numeric(10,1)', DIGITS],
    ['numeric(10,2)', 'numeric(10,0)', DIGITS],
    ['numeric(12,4)', 'numeric(12,3)', DIGITS],
    ['numeric(10,2)', 'numeric(3,-6)', DIGITS],
    ['numeric(12,4)', 'numeric(14,6)', SCALE],
    // numeric: what the warehouse holds, or no more than the column held before
    ['numeric(10,2)', 'numeric(8,2)', undefined],
    ['numeric(10,2)', 'numeric(10,2)', undefined],
    ['numeric(10,2)', 'numeric(5,1)', undefined],
    ['numeric(8,2)', 'numeric(9,1)', undefined],
    ['numeric(8,2)', 'numeric(10,2)', undefined],
    ['numeric(6,0)', 'numeric(8,0)', undefined],
    ['numeric(4,1)', 'numeric(5,2)', undefined],
    ['numeric', 'numeric(12,4)', undefined],
    ['numeric', 'numeric(20,2)', undefined],
    ['numeric(12,4)', 'numeric(10,2)', undefined],
    ['numeric(12,2)', 'numeric(13,2)', DIGITS],
    // integers: wider than int is refused; int and below is held
    ['integer', 'bigint', BITS],
    ['smallint', 'bigint', BITS],
    ['integer', 'smallint', undefined],
    ['smallint', 'integer', undefined],
    ['bigint', 'integer', undefined],
    ['bigint', 'smallint', undefined],
    // families the warehouse does not bound: text is text, times keep microseconds
    ['text', 'character varying(40)', undefined],
    ['character varying(20)', 'character varying(40)', undefined],
    ['character varying(40)', 'text', undefined],
    ['transaction_type', 'text', undefined],
    ['character(3)', 'character(10)', undefined],
    ['timestamp(3) without time zone', 'timestamp(6) without time zone', undefined],
    ['timestamp(3) without time zone', 'timestamp(3) with time zone', undefined],
    // across families (never a resize): nothing to say
    ['integer', 'numeric(12,4)', undefined],
    ['numeric(10,2)', 'bigint', undefined],
  ] as const)('%s → %s', (before, after, expected) => {
    const said = harm('sales_order', 'unit_price', before, after);
    if (expected === undefined) expect(said).toBeUndefined();
    else expect(said).toContain(expected);
  });

  it('names the warehouse column that holds it, or the type alone where none has its name', () => {
    expect(harm('sales_order', 'unit_price', 'numeric(10,2)', 'numeric(12,4)')).toBe(
      `the warehouse keeps it as fact_sales_order.unit_price numeric(10,2), ${SCALE}`,
    );
    expect(harm('sales_order', 'discount', 'numeric(10,2)', 'numeric(12,4)')).toBe(
      `the warehouse keeps it as numeric(10,2), ${SCALE}`,
    );
    // fact_sales_order has a sales_order_id, but an integer one: no decimal column holds it.
    expect(harm('sales_order', 'sales_order_id', 'numeric(10,2)', 'numeric(12,4)')).toBe(
      `the warehouse keeps it as numeric(10,2), ${SCALE}`,
    );
  });

  it('a column without a type on either side (added, dropped) is not a resize', () => {
    expect(resizeHarm({ table: 'payment', column: 'note', before: null, after: 'bigint' })).toBe(
      undefined,
    );
    expect(resizeHarm({ table: 'payment', column: 'note', before: 'integer', after: null })).toBe(
      undefined,
    );
  });

  it('names the warehouse column and its type, or the type alone where no column has the name', () => {
    expect(harm('sales_order', 'unit_price', 'numeric(10,2)', 'numeric(12,4)')).toBe(
      'the warehouse keeps it as fact_sales_order.unit_price numeric(10,2), which holds no more than 2 decimal places',
    );
    expect(harm('payment', 'payment_amount', 'numeric', 'numeric')).toBeUndefined();
    expect(harm('sales_order', 'units_sold', 'integer', 'bigint')).toBe(
      'the warehouse keeps it as fact_sales_order.units_sold int, which holds no integer beyond 32 bits',
    );
    expect(harm('address', 'address_id', 'integer', 'bigint')).toBe(
      'the warehouse keeps it as int, which holds no integer beyond 32 bits',
    );
    expect(harm('department', 'department_id', 'integer', 'bigint')).toContain('keeps it as int,');
  });

  it('looks for the warehouse column in the tables the transform builds from each source table', () => {
    const built = Object.fromEntries(
      SOURCE_TABLE_NAMES.map((table) => [
        table,
        TABLE_SPECS.filter((spec) => spec.kind !== 'derived' && spec.from === table).map(
          (spec) => spec.table.name,
        ),
      ]),
    );
    expect(built).toEqual(BUILT_FROM);
  });
});
