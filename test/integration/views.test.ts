import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, types, type QueryResultRow } from 'pg';
import { warehouseTable, type WarehouseRow } from '../../lambdas/shared/core/warehouse-catalogue';
import {
  defaultMigrationsDir,
  defaultViewsDir,
  migrate,
  readMigrations,
  readViews,
} from '../../lambdas/load/migrations';
import { startPostgres, type LocalPostgres } from '../../local/embedded-postgres';

const QUERIES_DIR = path.join(__dirname, '../../sql/queries');

// Dates, bigints and numerics as PostgreSQL writes them: exact, and free of the local time zone.
const TEXT_TYPES = new Set([types.builtins.DATE, types.builtins.INT8, types.builtins.NUMERIC]);
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TEXT_TYPES.has(oid)
      ? (value: string) => value
      : types.getTypeParser(oid, format ?? 'text')) as typeof types.getTypeParser,
};

const SOURCE_UPDATED_AT = '2024-01-01 00:00:00.000';

// ---------------------------------------------------------------------------------------------
// A small hand-written star. Order 1 and purchase order 1 have two versions each, payments 1 and
// 4 too: every view must count only the latest one.
// ---------------------------------------------------------------------------------------------

const currencies = [
  { currency_id: 1, currency_code: 'GBP', currency_name: 'British Pound' },
  { currency_id: 2, currency_code: 'USD', currency_name: 'US Dollar' },
  { currency_id: 3, currency_code: 'EUR', currency_name: 'Euro' },
  { currency_id: 4, currency_code: 'JPY', currency_name: 'Japanese Yen' },
];

const address = (id: number, city: string, country: string) => ({
  location_id: id,
  address_line_1: `${id} High Street`,
  address_line_2: null,
  district: null,
  city,
  postal_code: `P${id}`,
  country,
  phone: `0100 ${id}`,
});
const locations = [
  address(1, 'London', 'United Kingdom'),
  address(2, 'Paris', 'France'),
  address(3, 'Manchester', 'United Kingdom'),
];

const staffMember = (id: number, first: string, department: string, location: string) => ({
  staff_id: id,
  first_name: first,
  last_name: 'Example',
  department_name: department,
  location,
  email_address: `${first.toLowerCase()}@terrifictotes.com`,
});
const staff = [
  staffMember(1, 'Alice', 'Sales', 'Manchester'),
  staffMember(2, 'Bob', 'Sales', 'Manchester'),
  staffMember(3, 'Carol', 'Purchasing', 'Leeds'),
];

const designs = [1, 2, 3].map((id) => ({
  design_id: id,
  design_name: ['Wooden', 'Steel', 'Bronze'][id - 1] ?? '',
  file_location: '/designs',
  file_name: `design-${id}.jpg`,
}));

const counterparty = (id: number, name: string, city: string, country: string) => ({
  counterparty_id: id,
  counterparty_legal_name: name,
  counterparty_legal_address_line_1: `${id} Market Road`,
  counterparty_legal_address_line_2: null,
  counterparty_legal_district: null,
  counterparty_legal_city: city,
  counterparty_legal_postal_code: `C${id}`,
  counterparty_legal_country: country,
  counterparty_legal_phone_number: `0200 ${id}`,
});
const counterparties = [
  counterparty(1, 'Acme Ltd', 'Leeds', 'United Kingdom'),
  counterparty(2, 'Bolt SARL', 'Lyon', 'France'),
];

const paymentTypes = [
  { payment_type_id: 1, payment_type_name: 'SALES_RECEIPT' },
  { payment_type_id: 3, payment_type_name: 'PURCHASE_PAYMENT' },
];

const transactions = [
  { transaction_id: 1, transaction_type: 'SALE', sales_order_id: 1, purchase_order_id: null },
  { transaction_id: 2, transaction_type: 'SALE', sales_order_id: 2, purchase_order_id: null },
  { transaction_id: 3, transaction_type: 'PURCHASE', sales_order_id: null, purchase_order_id: 1 },
  { transaction_id: 4, transaction_type: 'SALE', sales_order_id: 5, purchase_order_id: null },
];

interface SalesOrder {
  sales_order_id: number;
  created: string;
  updated: string;
  staff: number;
  counterparty: number;
  units: number;
  price: string;
  currency: number;
  design: number;
  location: number;
}
const sale = (
  id: number,
  created: string,
  updated: string,
  [staffId, counterpartyId, units, price, currency, design, location]: [
    number,
    number,
    number,
    string,
    number,
    number,
    number,
  ],
): SalesOrder => ({
  sales_order_id: id,
  created,
  updated,
  staff: staffId,
  counterparty: counterpartyId,
  units,
  price,
  currency,
  design,
  location,
});
const salesOrders: SalesOrder[] = [
  // Order 1 was placed in January and corrected (120 units, not 100) in February.
  sale(1, '2024-01-10 09:00:00.000', '2024-01-10 09:00:00.000', [1, 1, 100, '2.50', 1, 1, 1]),
  sale(1, '2024-01-10 09:00:00.000', '2024-02-03 12:00:00.500', [1, 1, 120, '2.50', 1, 1, 1]),
  sale(2, '2024-01-20 10:30:00.000', '2024-01-20 10:30:00.000', [2, 2, 10, '5.00', 1, 2, 2]),
  sale(3, '2024-02-15 08:00:00.000', '2024-02-15 08:00:00.000', [1, 1, 40, '3.25', 1, 1, 3]),
  sale(4, '2024-02-16 16:45:00.250', '2024-02-16 16:45:00.250', [2, 2, 7, '10.00', 2, 3, 2]),
  // France had GBP sales in January and March but none in February.
  sale(5, '2024-03-01 11:00:00.000', '2024-03-01 11:00:00.000', [1, 2, 20, '1.10', 1, 2, 2]),
];

const purchaseOrders = [
  // [id, created, updated, counterparty, quantity, unit price, currency]
  [1, '2024-01-05 09:00:00.000', '2024-01-05 09:00:00.000', 1, 100, '1.00', 1],
  [1, '2024-01-05 09:00:00.000', '2024-01-06 09:00:00.000', 1, 200, '1.00', 1],
  [2, '2024-02-01 09:00:00.000', '2024-02-01 09:00:00.000', 2, 5, '3.33', 3],
] as const;

const payments = [
  // [id, updated, transaction, counterparty, amount, payment type, paid, payment date]
  [1, '2024-02-03 12:00:00.000', 1, 1, '300.00', 1, false, '2024-02-10'],
  [1, '2024-02-10 15:00:00.000', 1, 1, '300.00', 1, true, '2024-02-10'],
  [2, '2024-01-20 10:30:00.000', 2, 2, '50.00', 1, false, '2024-02-20'],
  [3, '2024-03-01 11:00:00.000', 4, 2, '22.00', 1, false, '2024-03-05'],
  [4, '2024-01-05 09:00:00.000', 3, 1, '100.00', 3, false, '2024-01-31'],
  [4, '2024-01-06 09:00:00.000', 3, 1, '200.00', 3, false, '2024-01-31'],
] as const;

const day = (timestamp: string) => timestamp.slice(0, 10);
const time = (timestamp: string) => timestamp.slice(11);

function factSalesOrderRows(): WarehouseRow[] {
  return salesOrders.map((s) => ({
    sales_order_id: s.sales_order_id,
    created_date: day(s.created),
    created_time: time(s.created),
    last_updated_date: day(s.updated),
    last_updated_time: time(s.updated),
    sales_staff_id: s.staff,
    counterparty_id: s.counterparty,
    units_sold: s.units,
    unit_price: s.price,
    currency_id: s.currency,
    design_id: s.design,
    agreed_payment_date: '2024-04-01',
    agreed_delivery_date: '2024-04-02',
    agreed_delivery_location_id: s.location,
  }));
}

function factPurchaseOrderRows(): WarehouseRow[] {
  return purchaseOrders.map(([id, created, updated, cp, quantity, price, currency]) => ({
    purchase_order_id: id,
    created_date: day(created),
    created_time: time(created),
    last_updated_date: day(updated),
    last_updated_time: time(updated),
    staff_id: 3,
    counterparty_id: cp,
    item_code: `ITEM${id}`,
    item_quantity: quantity,
    item_unit_price: price,
    currency_id: currency,
    agreed_delivery_date: '2024-04-02',
    agreed_payment_date: '2024-04-01',
    agreed_delivery_location_id: 1,
  }));
}

function factPaymentRows(): WarehouseRow[] {
  return payments.map(([id, updated, transaction, cp, amount, type, paid, paymentDate]) => ({
    payment_id: id,
    created_date: '2024-01-05',
    created_time: '09:00:00.000',
    last_updated_date: day(updated),
    last_updated_time: time(updated),
    transaction_id: transaction,
    counterparty_id: cp,
    payment_amount: amount,
    currency_id: 1,
    payment_type_id: type,
    paid,
    payment_date: paymentDate,
  }));
}

/** Inserts rows into a catalogue table; column names come from the catalogue alone. */
async function insert(client: Client, tableName: string, rows: readonly WarehouseRow[]) {
  const table = warehouseTable(tableName);
  if (!table) throw new Error(`${tableName} is not in the warehouse catalogue`);
  const columns = table.columns.map((c) => c.name);
  const bookkeeping = table.kind === 'dimension' && table.name !== 'dim_date';
  const names = [...columns, ...(bookkeeping ? ['source_updated_at'] : [])];
  for (const row of rows) {
    const values = [
      ...columns.map((c) => {
        const value = row[c];
        if (value === undefined) throw new Error(`${tableName} row lacks ${c}`);
        return value;
      }),
      ...(bookkeeping ? [SOURCE_UPDATED_AT] : []),
    ];
    await client.query(
      `INSERT INTO ${client.escapeIdentifier(table.name)} (${names.map((n) => client.escapeIdentifier(n)).join(', ')})
       VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }
}

let folder: string;
let pg: LocalPostgres;
let client: Client;

async function rows<R extends QueryResultRow>(sql: string): Promise<R[]> {
  return (await client.query<R>(sql)).rows;
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'dlv-'));
  pg = await startPostgres(folder);
  await pg.createDatabase('warehouse');
  client = new Client({ connectionString: pg.url('warehouse'), types: typeParsers });
  await client.connect();
  const [migrations, views] = await Promise.all([
    readMigrations(defaultMigrationsDir()),
    readViews(defaultViewsDir()),
  ]);
  await migrate(client, migrations, views);

  const facts = {
    fact_sales_order: factSalesOrderRows(),
    fact_purchase_order: factPurchaseOrderRows(),
    fact_payment: factPaymentRows(),
  };
  const dates = new Set<string>();
  for (const factRows of Object.values(facts)) {
    for (const row of factRows) {
      for (const [name, value] of Object.entries(row)) {
        if (name.endsWith('_date') && typeof value === 'string') dates.add(value);
      }
    }
  }
  await client.query(
    `INSERT INTO dim_date
     SELECT d, extract(year FROM d), extract(month FROM d), extract(day FROM d),
            extract(isodow FROM d), trim(to_char(d, 'Day')), trim(to_char(d, 'Month')),
            extract(quarter FROM d)
       FROM unnest($1::date[]) AS d`,
    [[...dates]],
  );
  await insert(client, 'dim_currency', currencies);
  await insert(client, 'dim_location', locations);
  await insert(client, 'dim_staff', staff);
  await insert(client, 'dim_design', designs);
  await insert(client, 'dim_counterparty', counterparties);
  await insert(client, 'dim_payment_type', paymentTypes);
  await insert(client, 'dim_transaction', transactions);
  for (const [table, factRows] of Object.entries(facts)) await insert(client, table, factRows);
});

afterAll(async () => {
  await client?.end();
  await pg?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

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

describe('analytics views', () => {
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
