/**
 * A small hand-written star in a fresh warehouse: few enough rows to reason about by hand, with
 * the versions and gaps every analyst view must handle. The views test checks the views against
 * it; the analyst role and analytics page tests read the views it fills.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, types } from 'pg';
import {
  warehouseTable,
  type WarehouseRow,
} from '../../../lambdas/shared/core/warehouse-catalogue';
import {
  defaultMigrationsDir,
  defaultViewsDir,
  migrate,
  readMigrations,
  readViews,
} from '../../../lambdas/load/migrations';
import type { LocalPostgres } from '../../../local/embedded-postgres';
import { startSeededPostgres } from '../../support/postgres-template';

// Dates, bigints and numerics as PostgreSQL writes them: exact, and free of the local time zone.
const TEXT_TYPES = new Set([types.builtins.DATE, types.builtins.INT8, types.builtins.NUMERIC]);
export const typeParsers = {
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

export const currencies = [
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
export const locations = [
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

export interface SalesOrder {
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
export const salesOrders: SalesOrder[] = [
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
export async function insert(client: Client, tableName: string, rows: readonly WarehouseRow[]) {
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

export interface SampleWarehouse {
  readonly postgres: LocalPostgres;
  /** The warehouse's URL, as its owner (the user that migrated it). */
  readonly url: string;
  /** Connected as the owner, reading dates, bigints and numerics as text. */
  readonly client: Client;
  stop(): Promise<void>;
}

/** An embedded PostgreSQL with a migrated `warehouse` database holding the sample star. */
export async function startSampleWarehouse(): Promise<SampleWarehouse> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'dlv-'));
  const postgres = await startSeededPostgres(folder);
  await postgres.createDatabase('warehouse');
  const url = postgres.url('warehouse');
  const client = new Client({ connectionString: url, types: typeParsers });
  await client.connect();
  const [migrations, views] = await Promise.all([
    readMigrations(defaultMigrationsDir()),
    readViews(defaultViewsDir()),
  ]);
  await migrate(client, migrations, views);
  await seedSampleStar(client);
  return {
    postgres,
    url,
    client,
    async stop() {
      await client.end();
      await postgres.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** The dim_date rows of every `*_date` the fact rows name and dim_date does not hold yet. */
export async function insertDates(
  client: Client,
  factRows: readonly WarehouseRow[],
): Promise<void> {
  const dates = new Set<string>();
  for (const row of factRows) {
    for (const [name, value] of Object.entries(row)) {
      if (name.endsWith('_date') && typeof value === 'string') dates.add(value);
    }
  }
  await client.query(
    `INSERT INTO dim_date
     SELECT d, extract(year FROM d), extract(month FROM d), extract(day FROM d),
            extract(isodow FROM d), trim(to_char(d, 'Day')), trim(to_char(d, 'Month')),
            extract(quarter FROM d)
       FROM unnest($1::date[]) AS d
      WHERE NOT EXISTS (SELECT 1 FROM dim_date x WHERE x.date_id = d)`,
    [[...dates]],
  );
}

async function seedSampleStar(client: Client): Promise<void> {
  const facts = {
    fact_sales_order: factSalesOrderRows(),
    fact_purchase_order: factPurchaseOrderRows(),
    fact_payment: factPaymentRows(),
  };
  await insertDates(client, Object.values(facts).flat());
  await insert(client, 'dim_currency', currencies);
  await insert(client, 'dim_location', locations);
  await insert(client, 'dim_staff', staff);
  await insert(client, 'dim_design', designs);
  await insert(client, 'dim_counterparty', counterparties);
  await insert(client, 'dim_payment_type', paymentTypes);
  await insert(client, 'dim_transaction', transactions);
  for (const [table, factRows] of Object.entries(facts)) await insert(client, table, factRows);
}
