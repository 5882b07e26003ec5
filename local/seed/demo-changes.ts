import type { ClientBase } from 'pg';
import {
  SOURCE_TABLES,
  quoteIdent,
  type SourceTableName,
} from '../../lambdas/shared/core/catalogue';
import { DAY_MS, formatDate } from './clock';
import { EMAIL_DOMAIN, FIRST_NAMES, LAST_NAMES } from './names';
import { COUNTRIES } from './places';
import { Random, streamSeed } from './prng';
import { SEED, type SeedValue } from './row';

export interface DemoChangeOptions {
  /** The time stamped on every change; defaults to the database's now(). */
  readonly now?: Date;
  /** How many sales orders to add (default 20) and payments to mark paid (default 10). */
  readonly newSalesOrders?: number;
  readonly paidPayments?: number;
}

/** What applyDemoChanges did, so a demo can print it and a test can check the warehouse. */
export interface DemoChanges {
  /** The last_updated of every changed row, 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
  readonly at: string;
  readonly newSalesOrderIds: readonly number[];
  readonly newTransactionIds: readonly number[];
  readonly newPaymentIds: readonly number[];
  /** Payments flipped from unpaid to paid. */
  readonly paidPaymentIds: readonly number[];
  readonly renamedDepartment: {
    readonly departmentId: number;
    readonly from: string;
    readonly to: string;
  };
  /** An address that is a counterparty's legal address and an order's delivery location. */
  readonly movedAddress: {
    readonly addressId: number;
    readonly from: string;
    readonly city: string;
  };
  readonly newStaffId: number;
}

const NEW_CITIES = ['Porto', 'Tallinn', 'Ljubljana', 'Valletta'] as const;

/** Inserts one row; column names are checked against the catalogue before they reach SQL. */
async function insertRow(
  client: ClientBase,
  table: SourceTableName,
  row: Readonly<Record<string, SeedValue>>,
): Promise<number> {
  const known = new Set(SOURCE_TABLES[table].columns.map((c) => c.name));
  const names = Object.keys(row);
  for (const name of names) {
    if (!known.has(name)) throw new Error(`${table} has no column ${name} in the catalogue`);
  }
  const key = SOURCE_TABLES[table].primaryKey;
  const result = await client.query<Record<string, number>>(
    `INSERT INTO ${quoteIdent(table)} (${names.map(quoteIdent).join(', ')})
     VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})
     RETURNING ${quoteIdent(key)} AS id`,
    names.map((n) => row[n]),
  );
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error(`Insert into ${table} returned no id`);
  return id;
}

async function idList(client: ClientBase, table: SourceTableName): Promise<number[]> {
  const key = quoteIdent(SOURCE_TABLES[table].primaryKey);
  const result = await client.query<{ id: number }>(
    `SELECT ${key} AS id FROM ${quoteIdent(table)} ORDER BY ${key}`,
  );
  if (result.rows.length === 0) throw new Error(`totesys has no ${table} rows; seed it first`);
  return result.rows.map((r) => r.id);
}

async function stampOf(client: ClientBase, now: Date | undefined): Promise<string> {
  // Timestamps are UTC without time zone; the session's own zone must not leak in.
  const result = await client.query<{ at: string }>(
    `SELECT to_char(COALESCE($1::timestamptz, now()) AT TIME ZONE 'UTC',
                    'YYYY-MM-DD HH24:MI:SS.MS') AS at`,
    [now ? now.toISOString() : null],
  );
  const at = result.rows[0]?.at;
  if (!at) throw new Error('Could not read the database clock');
  return at;
}

async function markPaid(client: ClientBase, at: string, count: number): Promise<number[]> {
  // The newest unpaid payments: those are the ones a business settles next.
  const result = await client.query<{ payment_id: number }>(
    `UPDATE payment SET paid = true, last_updated = $1
      WHERE payment_id IN (SELECT payment_id FROM payment WHERE NOT paid
                            ORDER BY payment_id DESC LIMIT $2)
      RETURNING payment_id`,
    [at, count],
  );
  return result.rows.map((r) => r.payment_id).sort((a, b) => a - b);
}

async function renameDepartment(
  client: ClientBase,
  at: string,
): Promise<DemoChanges['renamedDepartment']> {
  const found = await client.query<{ department_id: number; department_name: string }>(
    `SELECT department_id, department_name FROM department
      ORDER BY (department_name = 'Sales') DESC, department_id LIMIT 1`,
  );
  const department = found.rows[0];
  if (!department) throw new Error('totesys has no departments; seed it first');
  const to =
    department.department_name === 'Sales'
      ? 'Sales & Marketing'
      : `${department.department_name} & Marketing`;
  await client.query(
    'UPDATE department SET department_name = $1, last_updated = $2 WHERE department_id = $3',
    [to, at, department.department_id],
  );
  return { departmentId: department.department_id, from: department.department_name, to };
}

async function moveAddress(client: ClientBase, at: string): Promise<DemoChanges['movedAddress']> {
  // Prefer an address both a counterparty and an order use, so the change must reach
  // dim_counterparty and dim_location alike.
  const found = await client.query<{ address_id: number; city: string; country: string }>(
    `SELECT a.address_id, a.city, a.country FROM address a
      WHERE EXISTS (SELECT 1 FROM counterparty c WHERE c.legal_address_id = a.address_id)
      ORDER BY EXISTS (SELECT 1 FROM sales_order s
                        WHERE s.agreed_delivery_location_id = a.address_id) DESC,
               a.address_id
      LIMIT 1`,
  );
  const address = found.rows[0];
  if (!address) throw new Error('totesys has no counterparty addresses; seed it first');
  // Another city of the same country, so the moved address still reads as a real one.
  const sameCountry = COUNTRIES.find((c) => c.country === address.country)?.cities ?? [];
  const city = [...sameCountry, ...NEW_CITIES].find((c) => c !== address.city) ?? NEW_CITIES[0];
  await client.query('UPDATE address SET city = $1, last_updated = $2 WHERE address_id = $3', [
    city,
    at,
    address.address_id,
  ]);
  return { addressId: address.address_id, from: address.city, city };
}

async function hireStaff(
  client: ClientBase,
  rng: Random,
  at: string,
  departmentId: number,
): Promise<number> {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const local = `${first}.${last}`
    .normalize('NFD')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase();
  const taken = await client.query<{ email_address: string }>(
    'SELECT email_address FROM staff WHERE email_address LIKE $1',
    [`${local}%@${EMAIL_DOMAIN}`],
  );
  const used = new Set(taken.rows.map((r) => r.email_address));
  let email = `${local}@${EMAIL_DOMAIN}`;
  for (let n = 2; used.has(email); n++) email = `${local}${n}@${EMAIL_DOMAIN}`;
  return insertRow(client, 'staff', {
    first_name: first,
    last_name: last,
    department_id: departmentId,
    email_address: email,
    created_at: at,
    last_updated: at,
  });
}

function centsText(cents: number): string {
  return (cents / 100).toFixed(2);
}

/**
 * Makes the OLTP activity of the demo's incremental cycle in one transaction, every change
 * stamped with the same last_updated: marks ~10 unpaid payments paid, renames the Sales
 * department, moves one counterparty address (also a delivery location) to a new city, hires one
 * person into the renamed department, and takes ~20 new sales orders with their transactions and
 * payments (the first taken by the new hire). Deterministic apart from the time stamp.
 *
 * @param client - a connected client to a seeded totesys database, not inside a transaction.
 * @param options - `now` overrides the database clock for the stamp.
 * @returns The ids and values changed.
 */
export async function applyDemoChanges(
  client: ClientBase,
  options: DemoChangeOptions = {},
): Promise<DemoChanges> {
  await client.query('BEGIN');
  try {
    const at = await stampOf(client, options.now);
    const atMs = Date.parse(`${at.replace(' ', 'T')}Z`);
    const designs = await idList(client, 'design');
    const counterparties = await idList(client, 'counterparty');
    const currencies = await idList(client, 'currency');
    const addresses = await idList(client, 'address');
    const maxOrder = await client.query<{ n: number }>(
      'SELECT COALESCE(max(sales_order_id), 0)::int AS n FROM sales_order',
    );
    // Seeded from the order count, so a second demo cycle adds different but repeatable orders.
    const rng = new Random(streamSeed(SEED, `demo:${maxOrder.rows[0]?.n ?? 0}`));
    const receipt = await client.query<{ payment_type_id: number }>(
      "SELECT payment_type_id FROM payment_type WHERE payment_type_name = 'SALES_RECEIPT'",
    );
    const receiptTypeId = receipt.rows[0]?.payment_type_id;
    if (receiptTypeId === undefined) throw new Error('totesys has no SALES_RECEIPT payment type');

    const paidPaymentIds = await markPaid(client, at, options.paidPayments ?? 10);
    const renamedDepartment = await renameDepartment(client, at);
    const movedAddress = await moveAddress(client, at);
    const newStaffId = await hireStaff(client, rng, at, renamedDepartment.departmentId);
    const sellers = await client.query<{ staff_id: number }>(
      'SELECT staff_id FROM staff WHERE department_id = $1 ORDER BY staff_id',
      [renamedDepartment.departmentId],
    );
    const sellerIds = sellers.rows.map((r) => r.staff_id);

    const newSalesOrderIds: number[] = [];
    const newTransactionIds: number[] = [];
    const newPaymentIds: number[] = [];
    const count = options.newSalesOrders ?? 20;
    for (let i = 0; i < count; i++) {
      const units = rng.int(1_000, 100_000);
      const priceCents = rng.int(200, 400);
      const counterpartyId = rng.pick(counterparties);
      const currencyId = rng.pick(currencies.slice(0, 3));
      const paymentDate = formatDate(atMs + rng.int(1, 10) * DAY_MS);
      const salesOrderId = await insertRow(client, 'sales_order', {
        design_id: rng.pick(designs),
        staff_id: i === 0 ? newStaffId : rng.pick(sellerIds),
        counterparty_id: counterpartyId,
        units_sold: units,
        unit_price: centsText(priceCents),
        currency_id: currencyId,
        agreed_delivery_date: formatDate(atMs + rng.int(2, 14) * DAY_MS),
        agreed_payment_date: paymentDate,
        agreed_delivery_location_id: i === 1 ? movedAddress.addressId : rng.pick(addresses),
        created_at: at,
        last_updated: at,
      });
      const transactionId = await insertRow(client, 'transaction', {
        transaction_type: 'SALE',
        sales_order_id: salesOrderId,
        purchase_order_id: null,
        created_at: at,
        last_updated: at,
      });
      const paymentId = await insertRow(client, 'payment', {
        transaction_id: transactionId,
        counterparty_id: counterpartyId,
        payment_amount: centsText(units * priceCents),
        currency_id: currencyId,
        payment_type_id: receiptTypeId,
        paid: false,
        payment_date: paymentDate,
        company_ac_number: rng.int(10_000_000, 99_999_999),
        counterparty_ac_number: rng.int(10_000_000, 99_999_999),
        created_at: at,
        last_updated: at,
      });
      newSalesOrderIds.push(salesOrderId);
      newTransactionIds.push(transactionId);
      newPaymentIds.push(paymentId);
    }
    await client.query('COMMIT');
    return {
      at,
      newSalesOrderIds,
      newTransactionIds,
      newPaymentIds,
      paidPaymentIds,
      renamedDepartment,
      movedAddress,
      newStaffId,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
