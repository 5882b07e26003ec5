import { SOURCE_TABLES, type SourceRowOf } from '../../../lambdas/shared/core/catalogue';
import {
  DIMENSIONS,
  WAREHOUSE_TABLES,
  type RowOf,
} from '../../../lambdas/shared/core/warehouse-catalogue';
import { toDimPaymentType } from '../../../lambdas/transform/tables';
import { dimStaff } from '../../../lambdas/transform/tables/dim-staff';
import { streamed } from '../../../lambdas/transform/tables/spec';
import {
  DERIVED,
  JOINED,
  joinedTable,
  SNAPSHOT_TABLES,
  streamedFrom,
  TABLE_SPECS,
} from '../../../lambdas/transform/tables/specs';

describe('the table specs', () => {
  it('give every catalogue table one spec, in load order', () => {
    expect(TABLE_SPECS.map((spec) => spec.table)).toEqual(WAREHOUSE_TABLES);
  });

  it('build every table from source tables the catalogue knows, joined by its foreign keys', () => {
    const streamed = Object.keys(SOURCE_TABLES).flatMap((table) =>
      streamedFrom(table as keyof typeof SOURCE_TABLES),
    );
    expect(streamed.map((spec) => spec.table.name)).toContain('dim_location');
    expect(streamedFrom('address').map((spec) => spec.table.name)).toEqual(['dim_location']);
    expect(streamedFrom('staff')).toEqual([]);
    for (const spec of JOINED) expect(SOURCE_TABLES).toHaveProperty(joinedTable(spec));
    expect([...streamed, ...JOINED, ...DERIVED].map((spec) => spec.table.name).sort()).toEqual(
      WAREHOUSE_TABLES.map((table) => table.name).sort(),
    );
  });

  it('keep the joined tables as snapshots, each table before the tables joined to it', () => {
    for (const spec of JOINED) {
      expect(SNAPSHOT_TABLES.indexOf(joinedTable(spec))).toBeLessThan(
        SNAPSHOT_TABLES.indexOf(spec.from),
      );
    }
    expect(SNAPSHOT_TABLES).toEqual(['department', 'address', 'staff', 'counterparty']);
  });

  it('join only through a foreign key the catalogue knows', () => {
    expect(() => joinedTable({ ...dimStaff, via: 'email_address' })).toThrow(
      'dim_staff joins through staff.email_address, which the catalogue lists as no foreign key',
    );
  });
});

/**
 * What the compiler holds a spec to (`npx tsc --noEmit` fails when a line marked
 * `@ts-expect-error` compiles): the rows a shaper returns have every column of the catalogue
 * by its name, and it reads only columns its source table has.
 */
describe('the catalogue types a shaper is checked against', () => {
  const stamp = '2024-03-01T09:15:02.123Z';

  it('refuse a warehouse row with a misspelled column, and a source column that is not there', () => {
    const misspelled: RowOf<'dim_payment_type'> = {
      payment_type_id: 1,
      // @ts-expect-error payment_type_nmae is no column of dim_payment_type
      payment_type_nmae: 'SALES_RECEIPT',
      source_updated_at: stamp,
    };
    const readsFirstName = (row: SourceRowOf<'staff'>) =>
      // @ts-expect-error staff has first_name, not frist_name
      row.frist_name;
    expect(Object.keys(misspelled)).not.toContain('payment_type_name');
    expect(readsFirstName({ frist_name: 'Jeremie' } as unknown as SourceRowOf<'staff'>)).toBe(
      'Jeremie',
    );
  });

  it('refuse a spec whose shaper builds another table, or reads another source table', () => {
    const spec = streamed({
      table: DIMENSIONS.dim_payment_type,
      from: 'payment_type',
      shape: toDimPaymentType,
    });
    expect(spec).toMatchObject({ kind: 'streamed', from: 'payment_type', shape: toDimPaymentType });
    // @ts-expect-error toDimPaymentType's rows are not dim_design's
    streamed({ table: DIMENSIONS.dim_design, from: 'payment_type', shape: toDimPaymentType });
    // @ts-expect-error toDimPaymentType reads payment_type rows, not design rows
    streamed({ table: DIMENSIONS.dim_payment_type, from: 'design', shape: toDimPaymentType });
  });
});
