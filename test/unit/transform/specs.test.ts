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

  it('stream each other table from one source table', () => {
    const streamed = Object.keys(SOURCE_TABLES).flatMap((table) =>
      streamedFrom(table as keyof typeof SOURCE_TABLES).map((spec) => [table, spec.table.name]),
    );
    expect(streamed).toEqual([
      ['address', 'dim_location'],
      ['currency', 'dim_currency'],
      ['design', 'dim_design'],
      ['payment_type', 'dim_payment_type'],
      ['sales_order', 'fact_sales_order'],
      ['purchase_order', 'fact_purchase_order'],
      ['transaction', 'dim_transaction'],
      ['payment', 'fact_payment'],
    ]);
    expect(JOINED.map((spec) => [spec.table.name, spec.from, joinedTable(spec)])).toEqual([
      ['dim_staff', 'staff', 'department'],
      ['dim_counterparty', 'counterparty', 'address'],
    ]);
    expect(DERIVED.map((spec) => spec.table.name)).toEqual(['dim_date']);
  });

  it('keep the joined tables as snapshots, each table before the tables joined to it', () => {
    expect(SNAPSHOT_TABLES).toEqual(['department', 'address', 'staff', 'counterparty']);
  });

  it('join only through a foreign key the catalogue knows', () => {
    expect(() => joinedTable({ ...dimStaff, via: 'email_address' })).toThrow(
      'dim_staff joins through staff.email_address, which the catalogue lists as no foreign key',
    );
  });
});
