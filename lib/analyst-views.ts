/**
 * The analyst views QuickSight reads, schema `analytics` (defined in `sql/views/<name>.sql`).
 * QuickSight needs each data set's columns at creation, so they are declared here;
 * `test/infra/quicksight.test.ts` fails when a view's SQL and this list disagree.
 */

/** QuickSight's input column types. */
export type QuickSightColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME';

export interface AnalystView {
  readonly name: string;
  readonly title: string;
  readonly columns: Readonly<Record<string, QuickSightColumnType>>;
}

export const ANALYTICS_SCHEMA = 'analytics';

export const ANALYST_VIEWS: readonly AnalystView[] = [
  {
    name: 'sales_by_month_country',
    title: 'Sales by month and country',
    columns: {
      month: 'DATETIME',
      country: 'STRING',
      currency_code: 'STRING',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
    },
  },
  {
    name: 'top_designs_by_revenue',
    title: 'Top designs by revenue',
    columns: {
      design_id: 'INTEGER',
      design_name: 'STRING',
      currency_code: 'STRING',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
      revenue_rank: 'INTEGER',
    },
  },
  {
    name: 'revenue_by_staff_department',
    title: 'Revenue by staff department',
    columns: {
      department_name: 'STRING',
      location: 'STRING',
      currency_code: 'STRING',
      staff: 'INTEGER',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
    },
  },
  {
    name: 'outstanding_payments_by_counterparty',
    title: 'Outstanding payments by counterparty',
    columns: {
      counterparty_id: 'INTEGER',
      counterparty_legal_name: 'STRING',
      counterparty_legal_country: 'STRING',
      payment_type_name: 'STRING',
      currency_code: 'STRING',
      payments: 'INTEGER',
      outstanding_amount: 'DECIMAL',
      earliest_payment_date: 'DATETIME',
      latest_payment_date: 'DATETIME',
    },
  },
  {
    name: 'purchases_vs_sales_by_currency',
    title: 'Purchases and sales by currency',
    columns: {
      currency_code: 'STRING',
      currency_name: 'STRING',
      sales_orders: 'INTEGER',
      sales_revenue: 'DECIMAL',
      purchase_orders: 'INTEGER',
      purchase_cost: 'DECIMAL',
      net: 'DECIMAL',
    },
  },
];
