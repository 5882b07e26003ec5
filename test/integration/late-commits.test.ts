import { Client } from 'pg';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
let writer: Client;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 0 });
});
beforeEach(async () => {
  // A writer on its own real connection, as an OLTP application is.
  writer = new Client({ connectionString: stack.stack.postgres!.url('totesys') });
  await writer.connect();
});
afterEach(() => writer.end());
afterAll(() => stack.stop());

const cycle = (overlapSeconds: number) => runCycle(stack, { logger: silentLogger, overlapSeconds });

/** Payments the writer will touch: a different slice for each test, so no two overlap. */
async function paymentIds(offset: number, count: number): Promise<number[]> {
  const result = await stack.source.query<{ id: number }>(
    'SELECT payment_id AS id FROM payment ORDER BY payment_id OFFSET $1 LIMIT $2',
    [offset, count],
  );
  return result.rows.map((r) => r.id);
}

/** A committed change elsewhere, so that the ingest has a table file to write. */
async function touchSalesOrder(): Promise<void> {
  await stack.source.query(
    'UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = (SELECT min(sales_order_id) FROM sales_order)',
  );
}

/** Intercepts the first table-file write (put or upload) of an ingest. */
function onFirstTableFile(action: () => Promise<void>): {
  landing: TestStack['landing'];
  fired: () => boolean;
} {
  let fired = false;
  const landing = Object.create(stack.landing) as TestStack['landing'];
  const first = async (key: string) => {
    if (!fired && !key.startsWith('manifests/') && key.endsWith('.jsonl')) {
      fired = true;
      await action();
    }
  };
  landing.upload = async (key, body, type) => {
    await first(key);
    await stack.landing.upload(key, body, type);
  };
  landing.put = async (key, body, type) => {
    await first(key);
    await stack.landing.put(key, body, type);
  };
  return { landing, fired: () => fired };
}

/** Flips `paid` on the rows and stamps them with the transaction's own start time. */
async function stampInOpenTransaction(ids: number[]): Promise<string> {
  await writer.query('BEGIN');
  await writer.query(
    'UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = ANY($1::int[])',
    [ids],
  );
  const stamp = await writer.query<{ at: string }>(
    `SELECT to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM payment WHERE payment_id = $1`,
    [ids[0]],
  );
  return stamp.rows[0]!.at;
}

/** The warehouse's newest version of each payment: [id, paid] pairs. */
async function warehousePaid(ids: number[]): Promise<Map<number, boolean>> {
  const result = await stack.warehouse.query<{ payment_id: number; paid: boolean }>(
    `SELECT DISTINCT ON (payment_id) payment_id, paid FROM fact_payment
     WHERE payment_id = ANY($1::int[]) ORDER BY payment_id, last_updated_date DESC, last_updated_time DESC`,
    [ids],
  );
  return new Map(result.rows.map((r) => [r.payment_id, r.paid]));
}

async function sourcePaid(ids: number[]): Promise<Map<number, boolean>> {
  const result = await stack.source.query<{ payment_id: number; paid: boolean }>(
    'SELECT payment_id, paid FROM payment WHERE payment_id = ANY($1::int[])',
    [ids],
  );
  return new Map(result.rows.map((r) => [r.payment_id, r.paid]));
}

describe('late commits, with no overlap at all: the transaction horizon alone', () => {
  it('holds the upper bound back to an open transaction and reads its rows once it commits', async () => {
    // Repeated: timestamp(3) rounds now(), so a stamp equals the truncated horizon about half
    // the time; each round is a fresh chance to lose rows on the boundary.
    for (let round = 0; round < 6; round++) {
      const ids = await paymentIds(round * 10, 10);
      const stamp = await stampInOpenTransaction(ids);
      const during = await cycle(0);
      const window = during.ingest.manifest.tables.find((t) => t.table === 'payment')!;
      expect(window.to < stamp).toBe(true);
      expect(await stack.watermarks.read('payment')).toBe(window.to);
      await writer.query('COMMIT');
      await cycle(0);
      expect(await warehousePaid(ids)).toEqual(await sourcePaid(ids));
    }
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('reads rows committed after an ingest read began (the writer began before it)', async () => {
    const ids = await paymentIds(100, 10);
    await touchSalesOrder();
    await stack.source.query('SELECT pg_sleep(0.01)'); // the touch falls clear of the horizon
    await stampInOpenTransaction(ids);
    // The writer commits while the ingest writes its first table file: the upper bound and
    // some tables' snapshots were taken before the commit, the rest after it.
    const { landing, fired } = onFirstTableFile(async () => {
      await writer.query('COMMIT');
    });
    await runIngest({
      source: new PostgresSource(stack.source),
      landing,
      watermarks: stack.watermarks,
      logger: silentLogger,
      overlapSeconds: 0,
      concurrency: 1,
    });
    expect(fired()).toBe(true);
    await cycle(0);
    expect(await warehousePaid(ids)).toEqual(await sourcePaid(ids));
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('reads rows of a transaction that began during an ingest read and committed after it', async () => {
    const ids = await paymentIds(120, 10);
    await touchSalesOrder();
    const { landing, fired } = onFirstTableFile(async () => {
      await stampInOpenTransaction(ids);
    });
    await runIngest({
      source: new PostgresSource(stack.source),
      landing,
      watermarks: stack.watermarks,
      logger: silentLogger,
      overlapSeconds: 0,
      concurrency: 1,
    });
    expect(fired()).toBe(true);
    await writer.query('COMMIT');
    await cycle(0);
    expect(await warehousePaid(ids)).toEqual(await sourcePaid(ids));
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

describe('equal timestamps across a batch boundary', () => {
  it('delivers every row sharing one last_updated, split over two batches, within the overlap', async () => {
    const first = await paymentIds(200, 40);
    const second = await paymentIds(240, 40);
    // 40 rows committed with stamp X ...
    await writer.query('BEGIN');
    const { rows } = await writer.query<{ x: string }>(
      `UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = ANY($1::int[])
       RETURNING last_updated::text AS x`,
      [first],
    );
    const stamp = rows[0]!.x;
    await writer.query('COMMIT');
    // ... and 40 more stamped with exactly the same X by a transaction still open during a run.
    await writer.query('BEGIN');
    await writer.query(
      `UPDATE payment SET paid = NOT paid, last_updated = $2::timestamp WHERE payment_id = ANY($1::int[])`,
      [second, stamp],
    );
    const during = await cycle(300);
    const landedKey = during.ingest.manifest.tables.find((t) => t.table === 'payment')!.keys[0]!;
    const landed = new Set(
      (await readJsonLines(stack.landing, landedKey)).map((r) => r.payment_id as number),
    );
    expect(first.every((id) => landed.has(id))).toBe(true);
    expect(second.some((id) => landed.has(id))).toBe(false);
    await writer.query('COMMIT');
    const after = await cycle(300);
    const nextKey = after.ingest.manifest.tables.find((t) => t.table === 'payment')!.keys[0]!;
    const next = new Set(
      (await readJsonLines(stack.landing, nextKey)).map((r) => r.payment_id as number),
    );
    expect(second.every((id) => next.has(id))).toBe(true);
    const all = [...first, ...second];
    expect(await warehousePaid(all)).toEqual(await sourcePaid(all));
    const versions = await stack.warehouse.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM fact_payment WHERE payment_id = ANY($1::int[])
       AND (last_updated_date + last_updated_time)::text = $2`,
      [all, stamp],
    );
    expect(versions.rows[0]!.n).toBe(80);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
