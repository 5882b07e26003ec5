import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import { WAREHOUSE_TABLES } from '../../../lambdas/shared/core/warehouse-catalogue';
import { dimStaff } from '../../../lambdas/transform/tables/dim-staff';
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
