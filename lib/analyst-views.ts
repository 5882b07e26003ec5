/**
 * The analyst views QuickSight reads, schema `analytics` (defined in `sql/views/`). QuickSight
 * needs each data set's columns at creation, so they are declared here; a view that changes its
 * columns must change this list in the same commit.
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
      year: 'INTEGER',
      month: 'INTEGER',
      country: 'STRING',
      units_sold: 'INTEGER',
      revenue: 'DECIMAL',
    },
  },
  {
    name: 'top_designs_by_revenue',
    title: 'Top designs by revenue',
    columns: {
      design_id: 'INTEGER',
      design_name: 'STRING',
      units_sold: 'INTEGER',
      revenue: 'DECIMAL',
    },
  },
  {
    name: 'revenue_by_staff_department',
    title: 'Revenue by staff and department',
    columns: {
      department_name: 'STRING',
      staff_id: 'INTEGER',
      first_name: 'STRING',
      last_name: 'STRING',
      revenue: 'DECIMAL',
    },
  },
  {
    name: 'outstanding_payments_by_counterparty',
    title: 'Outstanding payments by counterparty',
    columns: {
      counterparty_id: 'INTEGER',
      counterparty_legal_name: 'STRING',
      currency_code: 'STRING',
      outstanding_amount: 'DECIMAL',
    },
  },
  {
    name: 'purchases_vs_sales_by_currency',
    title: 'Purchases and sales by currency',
    columns: { currency_code: 'STRING', sales_value: 'DECIMAL', purchases_value: 'DECIMAL' },
  },
];
