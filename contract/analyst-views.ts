/**
 * The analysts' questions: each is a view in schema `analytics` (defined in
 * `sql/views/<name>.sql`, the one definition of its answer) and a visual spec saying how to
 * draw it. The QuickSight dashboard (`lib/quicksight-analytics.ts`) and the local page of
 * `deliverance analytics` (`cli/analytics/`) are both built from this list, so adding a question
 * means a view, an entry here and a test.
 *
 * QuickSight needs each data set's columns at creation, so they are declared here;
 * `test/infra/quicksight.test.ts` fails when a view's SQL and this list disagree on names, and
 * `test/integration/views.test.ts` when the warehouse and this list disagree on types.
 */

/** QuickSight's input column types. */
export type QuickSightColumnType = 'STRING' | 'INTEGER' | 'DECIMAL' | 'DATETIME';

/** How a question is drawn; every column named here is a column of the view. */
export interface AnalystChart {
  /** `line` for a time series, `bar` for horizontal bars grouped by series. */
  readonly kind: 'line' | 'bar';
  /** The category axis: months on a line chart, names on bars. */
  readonly category: string;
  /** Summed on the value axis; several values are drawn as series side by side. */
  readonly values: readonly string[];
  /** Splits one value into coloured series (a line or a bar per distinct value). */
  readonly series?: string;
  /** Keeps only rows whose `column` is at most `max`, e.g. the top ten by rank. */
  readonly top?: { readonly column: string; readonly max: number };
}

export interface AnalystView {
  readonly name: string;
  readonly title: string;
  /** The question the view answers, in a sentence, shown under the title. */
  readonly question: string;
  readonly columns: Readonly<Record<string, QuickSightColumnType>>;
  readonly chart: AnalystChart;
  /** The columns of the table shown beside the chart, in order. */
  readonly table: readonly string[];
  /**
   * True when the chart adds money across rows, which is only meaningful within one currency:
   * the dashboard's currency control then selects one currency, the local page draws one chart
   * per currency. False when currency is itself the category.
   */
  readonly perCurrency: boolean;
  /** The date column the dashboard's date-range filter narrows. @default - no date filter */
  readonly dateColumn?: string;
}

export const ANALYTICS_SCHEMA = 'analytics';

/** Every analyst view has this column, so one currency control serves every sheet. */
export const CURRENCY_COLUMN = 'currency_code';

/** The currency the dashboard shows first: totesys trades mostly in pounds. */
export const DEFAULT_CURRENCY = 'GBP';

/**
 * The read-only warehouse role analysts and QuickSight connect as, created by
 * `sql/warehouse/0004_analyst_role.sql`; its secret's `username`.
 */
export const ANALYST_ROLE = 'deliverance_analyst';

export const ANALYST_VIEWS: readonly AnalystView[] = [
  {
    name: 'sales_by_month_country',
    title: 'Sales by month and country',
    question: 'How much do we sell each month, and where do the bags go?',
    columns: {
      month: 'DATETIME',
      country: 'STRING',
      currency_code: 'STRING',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
    },
    chart: { kind: 'line', category: 'month', values: ['revenue'], series: 'country' },
    table: ['month', 'country', 'currency_code', 'orders', 'units', 'revenue'],
    perCurrency: true,
    dateColumn: 'month',
  },
  {
    name: 'top_designs_by_revenue',
    title: 'Top designs by revenue',
    question: 'Which ten designs earn the most?',
    columns: {
      design_id: 'INTEGER',
      design_name: 'STRING',
      currency_code: 'STRING',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
      revenue_rank: 'INTEGER',
    },
    chart: {
      kind: 'bar',
      category: 'design_name',
      values: ['revenue'],
      top: { column: 'revenue_rank', max: 10 },
    },
    table: ['revenue_rank', 'design_name', 'currency_code', 'orders', 'units', 'revenue'],
    perCurrency: true,
  },
  {
    name: 'revenue_by_staff_department',
    title: 'Revenue by staff department',
    question: "Which departments' salespeople bring in the sales?",
    columns: {
      department_name: 'STRING',
      location: 'STRING',
      currency_code: 'STRING',
      staff: 'INTEGER',
      orders: 'INTEGER',
      units: 'INTEGER',
      revenue: 'DECIMAL',
    },
    chart: { kind: 'bar', category: 'department_name', values: ['revenue'] },
    table: ['department_name', 'location', 'currency_code', 'staff', 'orders', 'units', 'revenue'],
    perCurrency: true,
  },
  {
    name: 'outstanding_payments_by_counterparty',
    title: 'Outstanding payments by counterparty',
    question: 'Who owes us, whom do we owe, and how much is not yet paid?',
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
    chart: {
      kind: 'bar',
      category: 'counterparty_legal_name',
      values: ['outstanding_amount'],
      series: 'payment_type_name',
    },
    table: [
      'counterparty_legal_name',
      'counterparty_legal_country',
      'payment_type_name',
      'currency_code',
      'payments',
      'outstanding_amount',
      'earliest_payment_date',
      'latest_payment_date',
    ],
    perCurrency: true,
    dateColumn: 'earliest_payment_date',
  },
  {
    name: 'purchases_vs_sales_by_currency',
    title: 'Purchases and sales by currency',
    question: 'Per currency, do we sell more than we buy?',
    columns: {
      currency_code: 'STRING',
      currency_name: 'STRING',
      sales_orders: 'INTEGER',
      sales_revenue: 'DECIMAL',
      purchase_orders: 'INTEGER',
      purchase_cost: 'DECIMAL',
      net: 'DECIMAL',
    },
    chart: { kind: 'bar', category: 'currency_code', values: ['sales_revenue', 'purchase_cost'] },
    table: [
      'currency_code',
      'currency_name',
      'sales_orders',
      'sales_revenue',
      'purchase_orders',
      'purchase_cost',
      'net',
    ],
    perCurrency: false,
  },
];
