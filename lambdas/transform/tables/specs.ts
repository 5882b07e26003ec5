import { topologicalOrder } from '../../../contract/topological-order';
import { SOURCE_TABLES, type SourceTableName } from '../../shared/core/catalogue';
import { WAREHOUSE_TABLES, type WarehouseTableName } from '../../shared/core/warehouse-catalogue';
import { dimCounterparty } from './dim-counterparty';
import { dimCurrency } from './dim-currency';
import { dimDate } from './dim-date';
import { dimDesign } from './dim-design';
import { dimLocation } from './dim-location';
import { dimPaymentType } from './dim-payment-type';
import { dimStaff } from './dim-staff';
import { dimTransaction } from './dim-transaction';
import { factPayment } from './fact-payment';
import { factPurchaseOrder } from './fact-purchase-order';
import { factSalesOrder } from './fact-sales-order';
import { InvariantError } from '../../shared/core/pipeline-error';
import type { DerivedSpec, JoinedSpec, StreamedSpec, TableSpec } from './spec';

/** One spec per catalogue table: a table the catalogue adds without one does not compile. */
const BY_TABLE: { readonly [N in WarehouseTableName]: TableSpec } = {
  dim_date: dimDate,
  dim_staff: dimStaff,
  dim_location: dimLocation,
  dim_currency: dimCurrency,
  dim_design: dimDesign,
  dim_counterparty: dimCounterparty,
  dim_transaction: dimTransaction,
  dim_payment_type: dimPaymentType,
  fact_sales_order: factSalesOrder,
  fact_purchase_order: factPurchaseOrder,
  fact_payment: factPayment,
};

/** Every warehouse table's spec, in the catalogue's load order. */
export const TABLE_SPECS: readonly TableSpec[] = WAREHOUSE_TABLES.map(
  (table) => BY_TABLE[table.name as WarehouseTableName],
);

export const JOINED: readonly JoinedSpec[] = TABLE_SPECS.filter(
  (spec): spec is JoinedSpec => spec.kind === 'joined',
);

export const DERIVED: readonly DerivedSpec[] = TABLE_SPECS.filter(
  (spec): spec is DerivedSpec => spec.kind === 'derived',
);

const STREAMED = TABLE_SPECS.filter((spec): spec is StreamedSpec => spec.kind === 'streamed');

/** The specs shaping a source table's rows as each landed chunk is read. */
export function streamedFrom(table: SourceTableName): readonly StreamedSpec[] {
  return STREAMED.filter((spec) => spec.from === table);
}

/**
 * The source table a joined spec's `via` column refers to, per the catalogue's foreign keys.
 *
 * @throws {InvariantError} when `via` is not a foreign key of the spec's source table.
 */
export function joinedTable(spec: JoinedSpec): SourceTableName {
  const table = SOURCE_TABLES[spec.from].references[spec.via];
  if (!table) {
    throw new InvariantError(
      `${spec.table.name} joins through ${spec.from}.${spec.via}, which the catalogue lists as no foreign key`,
    );
  }
  return table;
}

/**
 * The source tables the joined specs read from snapshots, in join order: a table before the
 * tables joined to it, so a batch's rows of the one are in its snapshot before the other's are
 * checked against it.
 */
export const SNAPSHOT_TABLES: readonly SourceTableName[] = topologicalOrder(
  [...new Set([...JOINED.map(joinedTable), ...JOINED.map((spec) => spec.from)])],
  (table) => JOINED.filter((spec) => spec.from === table).map(joinedTable),
);
