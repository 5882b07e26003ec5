import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, QueryResultRow } from 'pg';
import { defaultViewsDir, readViews } from '../../lambdas/load/migrations';
import { FULL_CONTEXT, synthesize } from '../infra/support/synth';
import {
  currencies,
  locations,
  salesOrders,
  startSampleWarehouse,
  type SalesOrder,
  type SampleWarehouse,
} from './support/sample-star';

const QUERIES_DIR = path.join(__dirname, '../../sql/queries');

let warehouse: SampleWarehouse;
let client: Client;

async function rows<R extends QueryResultRow>(sql: string, values?: unknown[]): Promise<R[]> {
  return (await client.query<R>(sql, values)).rows;
}

beforeAll(async () => {
  warehouse = await startSampleWarehouse();
  client = warehouse.client;
});

afterAll(() => warehouse?.stop());

/** The latest version of each sales order, computed here rather than by the views under test. */
function currentSalesOrders(): SalesOrder[] {
  const latest = new Map<number, SalesOrder>();
  for (const order of salesOrders) {
    const seen = latest.get(order.sales_order_id);
    if (!seen || seen.updated < order.updated) latest.set(order.sales_order_id, order);
  }
  return [...latest.values()];
}

/** Exact money in pence, so sums are not subject to floating point. */
const pence = (amount: string) => Math.round(Number(amount) * 100);
const money = (p: number) =>
  `${p < 0 ? '-' : ''}${Math.floor(Math.abs(p) / 100)}.${String(Math.abs(p) % 100).padStart(2, '0')}`;

/** The QuickSight input type of each PostgreSQL type the views return. */
const QUICKSIGHT_TYPES: Record<string, string> = {
  date: 'DATETIME',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  numeric: 'DECIMAL',
  text: 'STRING',
};

describe('analytics views', () => {
  it("are QuickSight's data sets, each column declared with the warehouse's type", async () => {
    const { template } = synthesize(FULL_CONTEXT);
    const declared = Object.values(template.findResources('AWS::QuickSight::DataSet')).flatMap(
      (resource) =>
        Object.values(
          (
            resource as {
              Properties: {
                PhysicalTableMap: Record<
                  string,
                  {
                    RelationalTable: {
                      Name: string;
                      InputColumns: { Name: string; Type: string }[];
                    };
                  }
                >;
              };
            }
          ).Properties.PhysicalTableMap,
        ).flatMap(({ RelationalTable: t }) =>
          t.InputColumns.map((c) => `${t.Name}.${c.Name} ${c.Type}`),
        ),
    );
    const actual = await rows<{ column: string; data_type: string }>(
      `SELECT table_name || '.' || column_name AS column, data_type
         FROM information_schema.columns
        WHERE table_schema = 'analytics' AND table_name = ANY ($1)
        ORDER BY table_name, ordinal_position`,
      [[...new Set(declared.map((d) => d.split('.')[0]))]],
    );
    expect(actual.length).toBeGreaterThan(0);
    expect(declared.sort()).toEqual(
      actual.map((c) => `${c.column} ${QUICKSIGHT_TYPES[c.data_type] ?? c.data_type}`).sort(),
    );
  });

  it('are all installed, with the documented columns and types', async () => {
    const columns = await rows<{ table_name: string; columns: string }>(
      `SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS columns
         FROM information_schema.columns
        WHERE table_schema = 'analytics'
        GROUP BY table_name
        ORDER BY table_name`,
    );
    const byView = Object.fromEntries(columns.map((c) => [c.table_name, c.columns]));
    expect(Object.keys(byView).sort()).toEqual(
      (await readViews(defaultViewsDir())).map((v) => v.name).sort(),
    );
    expect(byView).toMatchObject({
      sales_by_month_country:
        'month date, country text, currency_code text, orders bigint, units bigint, revenue numeric',
      top_designs_by_revenue:
        'design_id integer, design_name text, currency_code text, orders bigint, units bigint, revenue numeric, revenue_rank bigint',
      revenue_by_staff_department:
        'department_name text, location text, currency_code text, staff bigint, orders bigint, units bigint, revenue numeric',
      outstanding_payments_by_counterparty:
        'counterparty_id integer, counterparty_legal_name text, counterparty_legal_country text, payment_type_name text, currency_code text, payments bigint, outstanding_amount numeric, earliest_payment_date date, latest_payment_date date',
      purchases_vs_sales_by_currency:
        'currency_code text, currency_name text, sales_orders bigint, sales_revenue numeric, purchase_orders bigint, purchase_cost numeric, net numeric',
    });
  });
});

describe('analytics views: each answers as a SQL reading of the warehouse would', () => {
  it('current_sales_order keeps only the latest version of each order', async () => {
    const current = await rows<{ sales_order_id: number; units_sold: number; revenue: string }>(
      'SELECT sales_order_id, units_sold, revenue FROM analytics.current_sales_order ORDER BY 1',
    );
    expect(current).toHaveLength(5);
    expect(current[0]).toEqual({ sales_order_id: 1, units_sold: 120, revenue: '300.00' });
  });

  it('sales_by_month_country counts each order once, at its latest version', async () => {
    const actual = await rows(
      'SELECT * FROM analytics.sales_by_month_country ORDER BY month, country, currency_code',
    );

    const country = new Map(locations.map((l) => [l.location_id, l.country]));
    const code = new Map(currencies.map((c) => [c.currency_id, c.currency_code]));
    const groups = new Map<string, { orders: number; units: number; pence: number }>();
    for (const order of currentSalesOrders()) {
      const key = [
        `${order.created.slice(0, 7)}-01`,
        country.get(order.location),
        code.get(order.currency),
      ].join('|');
      const group = groups.get(key) ?? { orders: 0, units: 0, pence: 0 };
      group.orders += 1;
      group.units += order.units;
      group.pence += order.units * pence(order.price);
      groups.set(key, group);
    }
    const expected = [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, g]) => {
        const [month, countryName, currencyCode] = key.split('|');
        return {
          month,
          country: countryName,
          currency_code: currencyCode,
          orders: String(g.orders),
          units: String(g.units),
          revenue: money(g.pence),
        };
      });
    expect(actual).toEqual(expected);
    // By hand: January UK is order 1 at 120 x 2.50, not 100 + 120 units from both versions.
    expect(actual[1]).toEqual({
      month: '2024-01-01',
      country: 'United Kingdom',
      currency_code: 'GBP',
      orders: '1',
      units: '120',
      revenue: '300.00',
    });
  });

  it('top_designs_by_revenue ranks designs within each currency', async () => {
    const actual = await rows(
      `SELECT design_name, currency_code, orders, units, revenue, revenue_rank
         FROM analytics.top_designs_by_revenue ORDER BY currency_code, revenue_rank`,
    );
    expect(actual).toEqual([
      // Orders 1 (120 x 2.50) and 3 (40 x 3.25).
      {
        design_name: 'Wooden',
        currency_code: 'GBP',
        orders: '2',
        units: '160',
        revenue: '430.00',
        revenue_rank: '1',
      },
      // Orders 2 (10 x 5.00) and 5 (20 x 1.10).
      {
        design_name: 'Steel',
        currency_code: 'GBP',
        orders: '2',
        units: '30',
        revenue: '72.00',
        revenue_rank: '2',
      },
      {
        design_name: 'Bronze',
        currency_code: 'USD',
        orders: '1',
        units: '7',
        revenue: '70.00',
        revenue_rank: '1',
      },
    ]);
  });

  it('revenue_by_staff_department sums the salespeople of each department', async () => {
    const gbp = currentSalesOrders().filter((o) => o.currency === 1);
    const actual = await rows(
      'SELECT * FROM analytics.revenue_by_staff_department ORDER BY currency_code',
    );
    expect(actual).toEqual([
      {
        department_name: 'Sales',
        location: 'Manchester',
        currency_code: 'GBP',
        staff: '2',
        orders: String(gbp.length),
        units: String(gbp.reduce((sum, o) => sum + o.units, 0)),
        revenue: money(gbp.reduce((sum, o) => sum + o.units * pence(o.price), 0)),
      },
      {
        department_name: 'Sales',
        location: 'Manchester',
        currency_code: 'USD',
        staff: '1',
        orders: '1',
        units: '7',
        revenue: '70.00',
      },
    ]);
    expect(actual[0]).toMatchObject({ revenue: '502.00' });
  });

  it('outstanding_payments_by_counterparty counts a payment by its latest version only', async () => {
    const actual = await rows(
      'SELECT * FROM analytics.outstanding_payments_by_counterparty ORDER BY counterparty_id',
    );
    expect(actual).toEqual([
      // Payment 4's latest version is for 200.00; payment 1 was paid in its latest version.
      {
        counterparty_id: 1,
        counterparty_legal_name: 'Acme Ltd',
        counterparty_legal_country: 'United Kingdom',
        payment_type_name: 'PURCHASE_PAYMENT',
        currency_code: 'GBP',
        payments: '1',
        outstanding_amount: '200.00',
        earliest_payment_date: '2024-01-31',
        latest_payment_date: '2024-01-31',
      },
      {
        counterparty_id: 2,
        counterparty_legal_name: 'Bolt SARL',
        counterparty_legal_country: 'France',
        payment_type_name: 'SALES_RECEIPT',
        currency_code: 'GBP',
        payments: '2',
        outstanding_amount: '72.00',
        earliest_payment_date: '2024-02-20',
        latest_payment_date: '2024-03-05',
      },
    ]);
  });

  it('purchases_vs_sales_by_currency lists every currency traded, with zeros for no trade', async () => {
    const actual = await rows(
      `SELECT currency_code, sales_orders, sales_revenue, purchase_orders, purchase_cost, net
         FROM analytics.purchases_vs_sales_by_currency ORDER BY currency_code`,
    );
    expect(actual).toEqual([
      // EUR: purchase order 2 only, 5 x 3.33. JPY was never traded, so it has no row.
      {
        currency_code: 'EUR',
        sales_orders: '0',
        sales_revenue: '0',
        purchase_orders: '1',
        purchase_cost: '16.65',
        net: '-16.65',
      },
      // GBP: 502.00 of sales against purchase order 1 at its latest 200 x 1.00.
      {
        currency_code: 'GBP',
        sales_orders: '4',
        sales_revenue: '502.00',
        purchase_orders: '1',
        purchase_cost: '200.00',
        net: '302.00',
      },
      {
        currency_code: 'USD',
        sales_orders: '1',
        sales_revenue: '70.00',
        purchase_orders: '0',
        purchase_cost: '0',
        net: '70.00',
      },
    ]);
  });
});

describe('example queries', () => {
  let queries: Map<string, string>;

  beforeAll(async () => {
    const files = (await readdir(QUERIES_DIR)).filter((f) => f.endsWith('.sql')).sort();
    queries = new Map(
      await Promise.all(
        files.map(async (f) => [f, await readFile(path.join(QUERIES_DIR, f), 'utf8')] as const),
      ),
    );
  });

  it('each runs and answers something on the sample star', async () => {
    expect(queries.size).toBeGreaterThan(0);
    for (const [file, sql] of queries) {
      const result = await client.query(sql).catch((error: unknown) => {
        throw new Error(`${file}: ${String(error)}`);
      });
      expect({ file, rows: result.rows.length > 0 }).toEqual({ file, rows: true });
    }
  });

  it('month_over_month_growth_by_country compares with the calendar month before', async () => {
    const sql = queries.get('month_over_month_growth_by_country.sql') ?? '';
    const actual = (await client.query(sql)).rows;
    expect(actual).toEqual([
      // January, GBP: UK 300.00 and France 50.00 share 350.00.
      {
        month: '2024-01-01',
        country: 'United Kingdom',
        currency_code: 'GBP',
        revenue: '300.00',
        previous_month_revenue: null,
        growth_pct: null,
        share_of_month_pct: '85.7',
        rank_in_month: '1',
      },
      {
        month: '2024-01-01',
        country: 'France',
        currency_code: 'GBP',
        revenue: '50.00',
        previous_month_revenue: null,
        growth_pct: null,
        share_of_month_pct: '14.3',
        rank_in_month: '2',
      },
      // February UK: (130 - 300) / 300 = -56.7 %.
      {
        month: '2024-02-01',
        country: 'United Kingdom',
        currency_code: 'GBP',
        revenue: '130.00',
        previous_month_revenue: '300.00',
        growth_pct: '-56.7',
        share_of_month_pct: '100.0',
        rank_in_month: '1',
      },
      {
        month: '2024-02-01',
        country: 'France',
        currency_code: 'USD',
        revenue: '70.00',
        previous_month_revenue: null,
        growth_pct: null,
        share_of_month_pct: '100.0',
        rank_in_month: '1',
      },
      // March France GBP: February had none, so no growth against January's 50.00.
      {
        month: '2024-03-01',
        country: 'France',
        currency_code: 'GBP',
        revenue: '22.00',
        previous_month_revenue: null,
        growth_pct: null,
        share_of_month_pct: '100.0',
        rank_in_month: '1',
      },
    ]);
  });

  it('counterparty_revenue_concentration finds the customers that make up 80 %', async () => {
    const sql = queries.get('counterparty_revenue_concentration.sql') ?? '';
    const actual = (await client.query(sql)).rows;
    expect(actual).toEqual([
      // GBP: Acme 430.00 of 502.00 = 85.7 %, so Bolt is not needed to reach 80 %.
      {
        currency_code: 'GBP',
        counterparty_id: 1,
        counterparty_legal_name: 'Acme Ltd',
        revenue: '430.00',
        revenue_rank: '1',
        cumulative_pct: '85.7',
        in_top_80_pct: true,
        revenue_quartile: 1,
      },
      {
        currency_code: 'GBP',
        counterparty_id: 2,
        counterparty_legal_name: 'Bolt SARL',
        revenue: '72.00',
        revenue_rank: '2',
        cumulative_pct: '100.0',
        in_top_80_pct: false,
        revenue_quartile: 2,
      },
      {
        currency_code: 'USD',
        counterparty_id: 2,
        counterparty_legal_name: 'Bolt SARL',
        revenue: '70.00',
        revenue_rank: '1',
        cumulative_pct: '100.0',
        in_top_80_pct: true,
        revenue_quartile: 1,
      },
    ]);
  });
});
