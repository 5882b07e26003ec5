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
  /**
   * The columns that tell one category from another (months on a line chart, ids on bars): the
   * chart groups by them, never by a name alone, so two designs called Granite stay two bars.
   */
  readonly category: readonly string[];
  /**
   * The column that names a category, when the key is not its name. A name two categories share
   * is followed by the rest of its key: "Granite (#12)", "Sales (Leeds)".
   * @default - the key as it is
   */
  readonly label?: string;
  /**
   * The category is the first day of a month: every month from the first to the last is on the
   * axis, and a month without a row is a gap in the line, never bridged.
   * @default - the categories present, in order
   */
  readonly step?: 'month';
  /** Summed on the value axis; several values are drawn as series side by side. */
  readonly values: readonly string[];
  /** Splits one value into coloured series (a line or a bar per distinct value). */
  readonly series?: string;
  /** Legend names for the series column's values. @default - the value as it is */
  readonly seriesLabels?: Readonly<Record<string, string>>;
  /**
   * Keeps only rows whose `column` is at most `max`, e.g. the top ten by rank; the rank breaks
   * ties, so a top ten is ten bars whenever there are ten.
   */
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
   * Money is never added or compared across currencies: every chart has one value axis per
   * currency. True when the chart sums money across rows: the dashboard's currency control then
   * selects one currency at a time. False when currency is itself the category: the dashboard
   * draws one small chart per currency, each with its own axis. The local page draws one chart
   * per currency either way.
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

/** totesys' payment types as a legend names them: the type and which way the money goes. */
export const PAYMENT_TYPE_LABELS: Readonly<Record<string, string>> = {
  SALES_RECEIPT: 'Sales receipt (owed to us)',
  SALES_REFUND: 'Sales refund (we owe)',
  PURCHASE_PAYMENT: 'Purchase payment (we owe)',
  PURCHASE_REFUND: 'Purchase refund (owed to us)',
};

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
    chart: {
      kind: 'line',
      category: ['month'],
      step: 'month',
      values: ['revenue'],
      series: 'country',
    },
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
      category: ['design_id'],
      label: 'design_name',
      values: ['revenue'],
      top: { column: 'revenue_rank', max: 10 },
    },
    table: [
      'revenue_rank',
      'design_id',
      'design_name',
      'currency_code',
      'orders',
      'units',
      'revenue',
    ],
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
    chart: {
      kind: 'bar',
      category: ['department_name', 'location'],
      label: 'department_name',
      values: ['revenue'],
    },
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
      category: ['counterparty_id'],
      label: 'counterparty_legal_name',
      values: ['outstanding_amount'],
      series: 'payment_type_name',
      seriesLabels: PAYMENT_TYPE_LABELS,
    },
    table: [
      'counterparty_id',
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
    chart: {
      kind: 'bar',
      category: ['currency_code'],
      values: ['sales_revenue', 'purchase_cost'],
    },
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
