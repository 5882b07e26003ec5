import { Client } from 'pg';
import { collectStatus, localStatusSources, watermarkText } from '../../cli/status/pipeline-status';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle, runUntilCaughtUp, type CycleResult } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { faultyWatermarks, InjectedFault } from './support/faults';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

/**
 * A cap of a few hundred rows per table per batch on a source many times that size: each batch
 * holds at most the cap, the backlog drains batch after batch, and the warehouse ends equal to
 * the reference whatever happens between two batches.
 */
// Draining the first load is ten cycles or more, in whichever test runs first: minutes on a
// busy machine.
jest.setTimeout(300_000);

let stack: TestStack;
let cap: number;
// No overlap: a burst of more than the cap stamped within the overlap is re-read (in capped
// batches) by every window until it is older than the overlap, which only slows these tests.
const base = { logger: silentLogger, overlapSeconds: 0 };
const options = () => ({ ...base, maxBatchRows: cap });

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.2 });
  await recordSourceHistory(stack.source);
  const largest = await stack.source.query<{ n: number }>(
    'SELECT greatest((SELECT count(*) FROM sales_order), (SELECT count(*) FROM payment))::int AS n',
  );
  cap = Math.floor(largest.rows[0]!.n / 10);
});
afterAll(() => stack?.stop());

/** Every landed table object of these cycles holds at most the cap, counted line by line. */
async function expectEveryObjectWithinCap(cycles: readonly CycleResult[]): Promise<void> {
  let objects = 0;
  for (const cycle of cycles) {
    for (const table of cycle.ingest.manifest.tables) {
      expect(table.rows).toBeLessThanOrEqual(cap);
      for (const key of table.keys) {
        expect((await readJsonLines(stack.landing, key)).length).toBeLessThanOrEqual(cap);
        objects++;
      }
    }
  }
  expect(objects).toBeGreaterThan(0);
}

let firstLoad: Promise<CycleResult[]> | undefined;
/**
 * The first load, drained once: the first test checks how, the others start after it whichever
 * runs alone (the reference expects every fact version the source held to have been read).
 */
const drainFirstLoad = () => (firstLoad ??= runUntilCaughtUp(stack, options()));

const expectWarehouseEqualsSource = async () =>
  expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

describe('bounded batches', () => {
  it('drains a first load of ten times the cap batch after batch, each within the cap', async () => {
    const cycles = await drainFirstLoad();
    expect(cycles.length).toBeGreaterThanOrEqual(10);
    expect(cycles.slice(0, -1).every((c) => !c.ingest.caughtUp)).toBe(true);
    expect(cycles.at(-1)?.ingest.caughtUp).toBe(true);
    await expectEveryObjectWithinCap(cycles);
    // Tables that fit are read completely in the first batch, not held back by the others.
    const first = new Map(cycles[0]!.ingest.manifest.tables.map((t) => [t.table, t]));
    const currencies = await stack.source.query('SELECT 1 FROM currency');
    expect(first.get('currency')?.rows).toBe(currencies.rowCount);
    expect(first.get('currency')?.upTo).toBeUndefined();
    expect(first.get('sales_order')?.upTo).toBeDefined();
    for (const name of SOURCE_TABLE_NAMES) {
      expect(typeof (await stack.watermarks.read(name))).toBe('string');
    }
    await expectWarehouseEqualsSource();
  });

  it('makes progress through thousands of rows sharing one last_updated across cap boundaries', async () => {
    await drainFirstLoad();
    // One statement: every sales order gets the same now(), thousands of rows over several caps.
    const tied = await stack.source.query(
      'UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now()',
    );
    expect(tied.rowCount).toBeGreaterThan(cap * 5);
    expect(tied.rowCount).toBeGreaterThan(1000);
    const cycles = await runUntilCaughtUp(stack, options());
    const sales = cycles.map(
      (c) => c.ingest.manifest.tables.find((t) => t.table === 'sales_order')?.rows ?? 0,
    );
    expect(sales.filter((rows) => rows === cap).length).toBeGreaterThanOrEqual(5);
    expect(sales.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(tied.rowCount ?? 0);
    await expectEveryObjectWithinCap(cycles);
    await expectWarehouseEqualsSource();
  });

  it('reads a late commit made while a backfill is under way', async () => {
    await drainFirstLoad();
    await stack.source.query(
      `UPDATE payment SET paid = NOT paid, last_updated = now()
       WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT $1)`,
      [cap * 2],
    );
    const writer = new Client({ connectionString: stack.stack.postgres!.url('totesys') });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(
        `UPDATE payment SET payment_amount = payment_amount + 1, last_updated = now()
         WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id DESC LIMIT 5)`,
      );
      const during = await runCycle(stack, options());
      expect(during.ingest.caughtUp).toBe(false);
      await writer.query('COMMIT');
    } finally {
      await writer.end();
    }
    await runUntilCaughtUp(stack, options());
    await expectWarehouseEqualsSource();
  });

  it('recovers from a crash between two capped batches', async () => {
    await drainFirstLoad();
    await stack.source.query(
      `UPDATE purchase_order SET item_quantity = item_quantity + 1, last_updated = now()
       WHERE purchase_order_id IN (SELECT purchase_order_id FROM purchase_order ORDER BY purchase_order_id LIMIT $1)`,
      [cap * 2 + 1],
    );
    const first = await runCycle(stack, options());
    expect(first.ingest.caughtUp).toBe(false);
    const status = (await collectStatus(localStatusSources(stack), { limit: 3 })).tables
      .purchase_order!;
    const left = first.ingest.manifest.tables.find((t) => t.table === 'purchase_order')?.remaining;
    expect(left).toBeGreaterThan(0);
    expect(status.backfill?.rowsBehind).toBe(left);
    expect(watermarkText(status)).toMatch(/^backfill: [\d,]+ rows behind/);
    await expect(
      runCycle({ ...stack, watermarks: faultyWatermarks(stack.watermarks, 1) }, options()),
    ).rejects.toThrow(InjectedFault);
    const rest = await runUntilCaughtUp(stack, options());
    await expectEveryObjectWithinCap([first, ...rest]);
    await expectWarehouseEqualsSource();
  });
});
