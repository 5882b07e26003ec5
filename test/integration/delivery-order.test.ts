import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

/** No overlap: the second batch must not re-read the first one's rows for this test. */
const ingest = async () =>
  (
    await runIngest({
      source: new PostgresSource(stack.source),
      landing: stack.landing,
      watermarks: stack.watermarks,
      logger: silentLogger,
      overlapSeconds: 0,
    })
  ).manifestKey;

const batchOf = (key: string) => key.slice('manifests/'.length, -'.json'.length);

async function inLoadLog(key: string): Promise<boolean> {
  const result = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
    batchOf(key),
  ]);
  return result.rowCount === 1;
}

/**
 * Batch A brings a new design and renames another; batch B renames that one again and adds a
 * sales order of the new design (whose row B does not carry).
 */
async function twoBatches(tag: string): Promise<{ a: string; b: string; designId: number }> {
  const design = await stack.source.query<{ id: number }>(
    `UPDATE design SET design_name = $1, last_updated = now()
     WHERE design_id = (SELECT min(design_id) FROM design) RETURNING design_id AS id`,
    [`${tag}-older`],
  );
  const added = await stack.source.query<{ id: number }>(
    `INSERT INTO design (design_name, file_location, file_name)
     VALUES ($1, '/late', $1 || '.json') RETURNING design_id AS id`,
    [`${tag}-new`],
  );
  const a = await ingest();
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 3, paidPayments: 2 }).finally(() =>
    client.release(),
  );
  await stack.source.query(
    `UPDATE design SET design_name = $1, last_updated = now() WHERE design_id = $2`,
    [`${tag}-newest`, design.rows[0]!.id],
  );
  await stack.source.query(
    `INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
       agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
     SELECT $1, staff_id, counterparty_id, 5, 9.99, currency_id, agreed_delivery_date,
       agreed_payment_date, agreed_delivery_location_id FROM sales_order ORDER BY sales_order_id LIMIT 1`,
    [added.rows[0]!.id],
  );
  const b = await ingest();
  return { a, b, designId: design.rows[0]!.id };
}

describe('batches delivered out of order or at the same time', () => {
  it('reverse order: the later batch waits for the earlier one, newest dimension versions win', async () => {
    const { a, b, designId } = await twoBatches('reverse');
    const tb = await transformBatch(stack, b, silentLogger);
    const ta = await transformBatch(stack, a, silentLogger);
    // B's facts refer to a design row only A carries: B fails untouched, with a clear reason.
    await expect(loadBatch(stack, tb.manifestKey, silentLogger)).rejects.toThrow(
      /refers to a dimension row that is not in the warehouse yet .*retry succeeds once that batch is loaded/,
    );
    expect(await inLoadLog(tb.manifestKey)).toBe(false);
    await loadBatch(stack, ta.manifestKey, silentLogger);
    await loadBatch(stack, tb.manifestKey, silentLogger); // the retry
    // A delivered once more, after B: its older design name must not come back.
    await stack.warehouse.query('DELETE FROM etl.load_log WHERE batch_id = $1', [batchOf(a)]);
    await loadBatch(stack, ta.manifestKey, silentLogger);
    const name = await stack.warehouse.query<{ design_name: string }>(
      'SELECT design_name FROM dim_design WHERE design_id = $1',
      [designId],
    );
    expect(name.rows[0]?.design_name).toBe('reverse-newest');
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('at the same time: every fact version exactly once, whatever wins the race', async () => {
    const { a, b } = await twoBatches('together');
    const [tb, ta] = await Promise.all([
      transformBatch(stack, b, silentLogger),
      transformBatch(stack, a, silentLogger),
    ]);
    const keys = [tb.manifestKey, ta.manifestKey];
    const first = await Promise.allSettled(keys.map((k) => loadBatch(stack, k, silentLogger)));
    // A carries its own dimensions and loads whatever the order; B loads, or, when it ran before
    // A, refuses untouched for the dimension rows A brings. Either way, each is checked.
    const [bFirst, aFirst] = first.map((o) =>
      o.status === 'fulfilled' ? 'loaded' : String(o.reason),
    );
    expect(aFirst).toBe('loaded');
    expect(bFirst).toMatch(/^loaded$|refers to a dimension row that is not in the warehouse yet/);
    // B, if it lost the race to its own dimensions, is retried, as the async event is.
    await loadBatch(stack, keys[0]!, silentLogger);
    expect(await Promise.all(keys.map(inLoadLog))).toEqual([true, true]);
    // Every event delivered again, concurrently: both are no-ops.
    const again = await Promise.all(keys.map((k) => loadBatch(stack, k, silentLogger)));
    expect(again.map((r) => r.skipped)).toEqual([true, true]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
