import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  SOURCE_TABLES,
  SOURCE_TABLE_NAMES,
  quoteIdent,
  type SourceTableName,
} from '../../lambdas/shared/core/catalogue';
import type { LocalPostgres } from '../../local/embedded-postgres';
import { applyDemoChanges, type DemoChanges } from '../../local/seed/demo-changes';
import { planSeed } from '../../local/seed/plan';
import { seedTotesys, type SeedSummary } from '../../local/seed/seed-totesys';
import { startSeededPostgres } from '../support/postgres-template';

const SCALE = 0.1;

let folder: string;
let pg: LocalPostgres;
let client: Client;
let summary: SeedSummary;

async function connect(database: string): Promise<Client> {
  const c = new Client({ connectionString: pg.url(database) });
  await c.connect();
  return c;
}

async function count(c: Client, table: SourceTableName, where = 'true'): Promise<number> {
  const result = await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${quoteIdent(table)} WHERE ${where}`,
  );
  return result.rows[0]?.n ?? -1;
}

async function fingerprint(c: Client, table: SourceTableName): Promise<string> {
  const key = quoteIdent(SOURCE_TABLES[table].primaryKey);
  const result = await c.query<{ md5: string }>(
    `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.${key})) AS md5 FROM ${quoteIdent(table)} t`,
  );
  return result.rows[0]?.md5 ?? '';
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'dlv-'));
  pg = await startSeededPostgres(folder);
  await pg.createDatabase('totesys');
  const lines: string[] = [];
  summary = await seedTotesys(pg.url('totesys'), { scale: SCALE, log: (l) => lines.push(l) });
  expect(lines.some((l) => l.includes('creating the totesys schema'))).toBe(true);
  client = await connect('totesys');
});

afterAll(async () => {
  await client?.end();
  await pg?.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('seedTotesys', () => {
  it('writes the planned rows to every table', async () => {
    const plan = planSeed(SCALE);
    expect(summary.rows).toMatchObject({
      address: plan.addresses,
      counterparty: plan.counterparties,
      currency: 8,
      department: 8,
      design: plan.designs,
      payment_type: 4,
      staff: plan.staff,
      sales_order: 1_000,
      purchase_order: 500,
      transaction: 1_500,
    });
    expect(summary.rows.payment).toBeGreaterThan(1_300);
    expect(summary.rows.payment).toBeLessThan(1_450);
    for (const table of SOURCE_TABLE_NAMES) {
      expect({ table, rows: await count(client, table) }).toEqual({
        table,
        rows: summary.rows[table],
      });
    }
  });

  it('loads under every foreign key of the schema, all of them validated', async () => {
    const fks = await client.query<{ n: number; validated: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE convalidated)::int AS validated
         FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
    );
    expect(fks.rows[0]).toEqual({ n: 17, validated: 17 });
    const orphans = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM transaction t
         LEFT JOIN sales_order s USING (sales_order_id)
         LEFT JOIN purchase_order p USING (purchase_order_id)
        WHERE (t.transaction_type = 'SALE') <> (s.sales_order_id IS NOT NULL)
           OR (t.transaction_type = 'PURCHASE') <> (p.purchase_order_id IS NOT NULL)`,
    );
    expect(orphans.rows[0]?.n).toBe(0);
  });

  it('keeps milliseconds, leaves nothing in the future and edits some rows later', async () => {
    const r = await client.query<{ first: string; latest: string; edited: number; ms: number }>(
      `SELECT min(created_at)::text AS first, max(last_updated)::text AS latest,
              count(*) FILTER (WHERE last_updated > created_at)::int AS edited,
              count(DISTINCT extract(milliseconds FROM created_at)::int % 1000)::int AS ms
         FROM sales_order`,
    );
    expect(r.rows[0]?.first).toMatch(/^2022-11-01 \d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(r.rows[0]?.latest && r.rows[0].latest <= '2025-11-01 00:00:00').toBe(true);
    expect(r.rows[0]?.edited).toBeGreaterThan(50);
    expect(r.rows[0]?.ms).toBeGreaterThan(100);
  });

  it('moves every sequence past the seeded ids', async () => {
    const r = await client.query<{ currency_id: number }>(
      `INSERT INTO currency (currency_code, last_updated) VALUES ('NZD', now())
       RETURNING currency_id`,
    );
    expect(r.rows[0]?.currency_id).toBe(9);
    await client.query('DELETE FROM currency WHERE currency_id = 9');
  });

  it('gives byte-identical tables when the same scale is seeded again elsewhere', async () => {
    await pg.createDatabase('totesys_twin');
    await seedTotesys(pg.url('totesys_twin'), { scale: SCALE });
    const twin = await connect('totesys_twin');
    try {
      for (const table of SOURCE_TABLE_NAMES) {
        const mine = await fingerprint(client, table);
        expect(mine).toMatch(/^[0-9a-f]{32}$/);
        expect({ table, md5: await fingerprint(twin, table) }).toEqual({ table, md5: mine });
      }
    } finally {
      await twin.end();
    }
  });

  it('refuses a database that already holds data', async () => {
    await expect(seedTotesys(pg.url('totesys'), { scale: SCALE })).rejects.toThrow(
      /^totesys at 127\.0\.0\.1:\d+\/totesys already has 1000 sales orders; seed an empty database$/,
    );
    expect(await count(client, 'address')).toBe(summary.rows.address);
  });
});

describe('applyDemoChanges', () => {
  const now = new Date('2026-01-15T10:20:30.456Z');
  const at = '2026-01-15 10:20:30.456';
  let changes: DemoChanges;

  beforeAll(async () => {
    changes = await applyDemoChanges(client, { now });
  });

  it('stamps every change with the given time', () => {
    expect(changes.at).toBe(at);
  });

  it('adds 20 sales orders, each with a SALE transaction and an unpaid receipt', async () => {
    expect(changes.newSalesOrderIds).toEqual(Array.from({ length: 20 }, (_, i) => 1_001 + i));
    expect(changes.newTransactionIds).toHaveLength(20);
    expect(changes.newPaymentIds).toHaveLength(20);
    const r = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sales_order s
         JOIN transaction t USING (sales_order_id)
         JOIN payment p USING (transaction_id)
         JOIN payment_type pt USING (payment_type_id)
        WHERE s.sales_order_id = ANY($1) AND t.transaction_type = 'SALE'
          AND pt.payment_type_name = 'SALES_RECEIPT' AND NOT p.paid
          AND p.payment_amount = s.units_sold * s.unit_price
          AND s.created_at = $2 AND s.last_updated = $2 AND p.last_updated = $2`,
      [changes.newSalesOrderIds, at],
    );
    expect(r.rows[0]?.n).toBe(20);
    expect(await count(client, 'sales_order')).toBe(1_020);
  });

  it('marks 10 unpaid payments paid', async () => {
    expect(changes.paidPaymentIds).toHaveLength(10);
    const r = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM payment
        WHERE payment_id = ANY($1) AND paid AND last_updated = $2 AND created_at < $2`,
      [changes.paidPaymentIds, at],
    );
    expect(r.rows[0]?.n).toBe(10);
  });

  it('renames the Sales department and hires someone into it', async () => {
    expect(changes.renamedDepartment).toEqual({
      departmentId: 1,
      from: 'Sales',
      to: 'Sales & Marketing',
    });
    const r = await client.query<{ department_name: string; last_updated: string }>(
      'SELECT department_name, last_updated::text FROM department WHERE department_id = 1',
    );
    expect(r.rows[0]).toEqual({ department_name: 'Sales & Marketing', last_updated: at });
    const staff = await client.query<{ department_id: number; last_updated: string }>(
      'SELECT department_id, last_updated::text FROM staff WHERE staff_id = $1',
      [changes.newStaffId],
    );
    expect(staff.rows[0]).toEqual({ department_id: 1, last_updated: at });
    expect(changes.newStaffId).toBe(summary.rows.staff + 1);
  });

  it('moves an address that is a legal address and a delivery location', async () => {
    const { addressId, city, from } = changes.movedAddress;
    expect(city).not.toBe(from);
    const r = await client.query<{ city: string; legal: boolean; delivery: boolean }>(
      `SELECT a.city,
              EXISTS (SELECT 1 FROM counterparty c WHERE c.legal_address_id = a.address_id) AS legal,
              EXISTS (SELECT 1 FROM sales_order s
                       WHERE s.agreed_delivery_location_id = a.address_id
                         AND s.created_at < $2) AS delivery
         FROM address a WHERE a.address_id = $1 AND a.last_updated = $2`,
      [addressId, at],
    );
    expect(r.rows[0]).toEqual({ city, legal: true, delivery: true });
  });

  it('touches nothing else', async () => {
    const touched: Record<string, number> = {};
    for (const table of SOURCE_TABLE_NAMES) {
      touched[table] = await count(client, table, `last_updated = '${at}'`);
    }
    expect(touched).toEqual({
      address: 1,
      counterparty: 0,
      currency: 0,
      department: 1,
      design: 0,
      payment_type: 0,
      staff: 1,
      sales_order: 20,
      purchase_order: 0,
      transaction: 20,
      payment: 30,
    });
  });

  it('stamps with the database clock when no time is given', async () => {
    const before = Date.now();
    const again = await applyDemoChanges(client, { newSalesOrders: 2, paidPayments: 1 });
    const stamped = Date.parse(`${again.at.replace(' ', 'T')}Z`);
    expect(Math.abs(stamped - before)).toBeLessThan(60_000);
    expect(again.newSalesOrderIds).toEqual([1_021, 1_022]);
    expect(again.paidPaymentIds).toHaveLength(1);
  });
});
