import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { copyIntoFilledBaseline } from '../../bench/baselines';
import { migrateWarehouse } from '../../lambdas/load/migrations';
import { stagedColumns } from '../../lambdas/load/upsert-sql';
import { FACTS } from '../../lambdas/shared/core/warehouse-catalogue';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * The bench's bound for a batch into a filled fact table: raw COPY into the table itself,
 * which the load then meets exactly as it was.
 */
jest.setTimeout(120_000);

let stack: TestStack;
let dir: string;

const SALES = FACTS.fact_sales_order;
/** Sales-order versions `from` to `to`, in the staged columns' names. */
const versions = (from: number, to: number) =>
  `SELECT i AS sales_order_id, DATE '2024-01-01' + i % 30 AS created_date,
    TIME '10:00' AS created_time, DATE '2024-02-01' AS last_updated_date,
    TIME '10:00' + i * INTERVAL '1 ms' AS last_updated_time, 1 AS sales_staff_id,
    1 AS counterparty_id, 5 AS units_sold, 2.50 AS unit_price, 1 AS currency_id, 1 AS design_id,
    DATE '2024-03-01' AS agreed_payment_date, DATE '2024-03-02' AS agreed_delivery_date,
    1 AS agreed_delivery_location_id
    FROM generate_series(${from}, ${to}) AS i`;

beforeAll(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'dlv-bench-baselines-'));
  const client = await stack.warehouse.connect();
  try {
    await migrateWarehouse(client);
    // No dimension rows: the keys' triggers are off for the filling, as the baseline has them.
    await client.query('SET session_replication_role = replica');
    const columns = stagedColumns(SALES).join(', ');
    await client.query(
      `INSERT INTO fact_sales_order (${columns}) SELECT ${columns} FROM (${versions(1, 2000)}) v`,
    );
    await pipeline(
      client.query(copyTo(`COPY (SELECT ${columns} FROM (${versions(2001, 2500)}) v) TO STDOUT`)),
      createWriteStream(join(dir, 'sales.copy')),
    );
    await pipeline(
      client.query(copyTo(`COPY (SELECT ${columns} FROM (${versions(1995, 2005)}) v) TO STDOUT`)),
      createWriteStream(join(dir, 'overlap.copy')),
    );
  } finally {
    client.release();
  }
});
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the load would meet: the rows, and the heap's size, which the rolled-back rows grew. */
async function tableState() {
  const result = await stack.warehouse.query<{ rows: string; newest: number; bytes: string }>(
    `SELECT count(*) AS rows, max(sales_order_id) AS newest,
       pg_relation_size('fact_sales_order') AS bytes FROM fact_sales_order`,
  );
  return result.rows[0];
}

test('times a COPY of the batch into the filled fact table and leaves the table as it was', async () => {
  const before = await tableState();
  // fact_payment is empty: a first batch of it takes the bulk path, so it is not measured.
  const baseline = await copyIntoFilledBaseline(stack.stack.postgres!.url('warehouse'), [
    { table: SALES, path: join(dir, 'sales.copy'), rows: 500 },
    { table: FACTS.fact_payment, path: join(dir, 'sales.copy'), rows: 500 },
  ]);
  expect(baseline?.rows).toBe(500);
  expect(baseline?.seconds).toBeGreaterThan(0);
  expect(await tableState()).toEqual(before);
  expect(before).toMatchObject({ rows: '2000', newest: 2000 });
});

test('measures nothing when no fact table of the batch holds rows yet', async () => {
  const payments = FACTS.fact_payment;
  expect(
    await copyIntoFilledBaseline(stack.stack.postgres!.url('warehouse'), [
      { table: payments, path: join(dir, 'sales.copy'), rows: 500 },
    ]),
  ).toBeUndefined();
});

test('leaves out a table that already holds one of the batch versions, as a re-read brings', async () => {
  const before = await tableState();
  expect(
    await copyIntoFilledBaseline(stack.stack.postgres!.url('warehouse'), [
      { table: SALES, path: join(dir, 'overlap.copy'), rows: 11 },
    ]),
  ).toBeUndefined();
  expect(await tableState()).toEqual(before);
});
