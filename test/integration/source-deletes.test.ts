import {
  manifestKey,
  processedDeletesKey,
  quarantinedTombstonesKey,
} from '../../lambdas/shared/core/batch';
import { parseProcessedManifest } from '../../lambdas/shared/core/manifest';
import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { runLoad } from '../../lambdas/load/load';
import { PostgresWarehouseWriter } from '../../lambdas/load/postgres-warehouse-writer';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { ingestBatch, loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { addTombstones, landGoneKeys, type TombstoneBatch } from '../support/tombstone-batch';
import { faultyPool } from './support/faults';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

/**
 * Deletes as data, after landing: tombstones (landed here by a stand-in for the reconciliation,
 * test/support/tombstone-batch.ts) pass through the transform and the load, which keeps every
 * deleted row and marks it with source_deleted_at; the analyst views leave it out; a key that
 * comes back is alive again. Each step ends equal to the reference, which expects the rows of
 * keys the source no longer has kept and marked.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

/** Transforms and loads one landed batch; answers the load's run. */
async function throughWarehouse(batch: { manifestKey: string }, force = false) {
  await transformBatch(stack, batch.manifestKey, silentLogger, { force });
  return loadBatch(stack, batch.manifestKey, silentLogger, { force });
}

/** Deletes a sales order as totesys's foreign keys require: its payments, its transaction, it. */
async function deleteSalesOrder(id: number): Promise<void> {
  const client = await stack.source.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `DELETE FROM payment WHERE transaction_id IN
         (SELECT transaction_id FROM transaction WHERE sales_order_id = $1)`,
      [id],
    );
    await client.query('DELETE FROM transaction WHERE sales_order_id = $1', [id]);
    await client.query('DELETE FROM sales_order WHERE sales_order_id = $1', [id]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** Every marked row of the reached tables: (table, key, source_deleted_at). */
async function markedRows(): Promise<string[]> {
  const result = await stack.warehouse.query<{ row: string }>(
    `SELECT concat_ws(' ', 'dim_design', design_id, source_deleted_at) AS row FROM dim_design WHERE source_deleted_at IS NOT NULL
     UNION ALL SELECT concat_ws(' ', 'dim_transaction', transaction_id, source_deleted_at) FROM dim_transaction WHERE source_deleted_at IS NOT NULL
     UNION ALL SELECT concat_ws(' ', 'fact_sales_order', sales_record_id, source_deleted_at) FROM fact_sales_order WHERE source_deleted_at IS NOT NULL
     UNION ALL SELECT concat_ws(' ', 'fact_payment', payment_record_id, source_deleted_at) FROM fact_payment WHERE source_deleted_at IS NOT NULL`,
  );
  return result.rows.map((r) => r.row).sort();
}

let design: number;
let orders: number[];
let deletes: TombstoneBatch;
/** The order whose tombstone came with a newer version (its old versions are marked). */
let supersededOrder: number | undefined;

describe('source deletes, applied through transform and load', () => {
  it('keeps the deleted dimension and fact rows, marked, dependants and all, equal to the reference', async () => {
    // The design with the fewest sales orders: every one of them goes first, then it.
    const picked = await stack.source.query<{ design_id: number; orders: number[] }>(
      `SELECT design_id, array_agg(sales_order_id ORDER BY sales_order_id) AS orders
         FROM sales_order GROUP BY design_id ORDER BY count(*), design_id LIMIT 1`,
    );
    design = picked.rows[0]!.design_id;
    orders = picked.rows[0]!.orders;
    const payments = await stack.source.query<{ id: number }>(
      `SELECT payment_id AS id FROM payment JOIN transaction USING (transaction_id)
        WHERE sales_order_id = ANY($1)`,
      [orders],
    );
    for (const id of orders) await deleteSalesOrder(id);
    await stack.source.query('DELETE FROM design WHERE design_id = $1', [design]);

    deletes = await landGoneKeys(stack.landing, stack.source, stack.warehouse);
    expect(deletes.tombstones.design?.map((t) => t.key)).toEqual([design]);
    expect(deletes.tombstones.sales_order?.map((t) => t.key)).toEqual(orders);
    const load = await throughWarehouse(deletes);

    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    const deletedAt = deletes.tombstones.design![0]!.deletedAt;
    const marked = await stack.warehouse.query<{ at: string }>(
      `SELECT to_char(source_deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
         FROM fact_sales_order WHERE sales_order_id = ANY($1)`,
      [orders],
    );
    expect(marked.rows.length).toBeGreaterThanOrEqual(orders.length);
    expect(new Set(marked.rows.map((r) => r.at))).toEqual(new Set([deletedAt]));
    const byTable = Object.fromEntries(load.tables.map((t) => [t.table, t.deleted]));
    expect(byTable).toMatchObject({
      dim_design: 1,
      fact_sales_order: marked.rows.length,
      fact_payment: expect.any(Number) as number,
    });
    expect(payments.rows.length === 0 || (byTable.fact_payment ?? 0) > 0).toBe(true);
    const status = await collectStatus(localStatusSources(stack), { limit: 10 });
    expect(status.tables.design?.deletesApplied).toEqual({
      batchId: deletes.batchId,
      table: 'dim_design',
      rows: 1,
    });

    const shown = await stack.warehouse.query(
      `SELECT 1 FROM analytics.current_sales_order WHERE sales_order_id = ANY($1)
       UNION ALL SELECT 1 FROM analytics.top_designs_by_revenue WHERE design_id = $2`,
      [orders, design],
    );
    expect(shown.rows).toEqual([]);
  });

  it('changes nothing when the batch is replayed', async () => {
    const before = await markedRows();
    const replay = await throughWarehouse(deletes, true);
    expect(replay.tables.map((t) => t.deleted ?? 0)).toEqual(replay.tables.map(() => 0));
    expect(await markedRows()).toEqual(before);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('brings a re-inserted key back with its new version, and a late replay of the delete does not undo it', async () => {
    const order = orders[0]!;
    await stack.source.query(
      `INSERT INTO design (design_id, design_name, file_location, file_name)
       VALUES ($1, 'Back again', '/designs', 'back.jpg')`,
      [design],
    );
    await stack.source.query(
      `INSERT INTO sales_order
         (sales_order_id, design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
          agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
       SELECT sales_order_id, $2, staff_id, counterparty_id, units_sold + 1, unit_price, currency_id,
              agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id
         FROM reference_history.gone_sales_order WHERE sales_order_id = $1 LIMIT 1`,
      [order, design],
    );
    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });

    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    const alive = await stack.warehouse.query(
      `SELECT design_name FROM dim_design WHERE design_id = $1 AND source_deleted_at IS NULL`,
      [design],
    );
    expect(alive.rows).toEqual([{ design_name: 'Back again' }]);
    const shown = await stack.warehouse.query<{ id: number }>(
      'SELECT sales_order_id AS id FROM analytics.current_sales_order WHERE sales_order_id = ANY($1)',
      [orders],
    );
    expect(shown.rows).toEqual([{ id: order }]);

    await throughWarehouse(deletes, true);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    expect(
      (
        await stack.warehouse.query(
          'SELECT 1 FROM analytics.current_sales_order WHERE sales_order_id = $1',
          [order],
        )
      ).rows,
    ).toHaveLength(1);
  });
});

describe('source deletes, when versions, bad lines and crashes meet them', () => {
  it('lets a version newer than its tombstone in the same batch win: the key stays alive', async () => {
    // The reconciliation reads the snapshot the extract reads, so this cannot happen; were it
    // to, both are believed: the key was gone at deletedAt and is back with the newer version,
    // as a key deleted and re-inserted is. Its older versions are marked, its new one is not.
    const picked = await stack.source.query<{ id: number }>(
      'SELECT min(sales_order_id) AS id FROM sales_order WHERE sales_order_id <> ALL($1)',
      [orders],
    );
    const order = picked.rows[0]!.id;
    supersededOrder = order;
    // A millisecond before the source's clock, cut to the millisecond: sales_order's
    // timestamp(3) rounds now(), which can round the new stamp down below a finer reading.
    const clock = await stack.source.query<{ at: string }>(
      `SELECT to_char(date_trunc('milliseconds', clock_timestamp() AT TIME ZONE current_setting('TimeZone')) - interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`,
    );
    const before = clock.rows[0]!.at;
    await stack.source.query(
      'UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() WHERE sales_order_id = $1',
      [order],
    );
    const run = await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 });
    await addTombstones(stack.landing, run.batchId, { sales_order: [order] }, before);
    await throughWarehouse({ manifestKey: manifestKey(run.batchId) });

    const versions = await stack.warehouse.query<{ units: number; deleted: boolean }>(
      `SELECT units_sold AS units, source_deleted_at IS NOT NULL AS deleted FROM fact_sales_order
        WHERE sales_order_id = $1 ORDER BY last_updated_date, last_updated_time`,
      [order],
    );
    expect(versions.rows.map((v) => v.deleted)).toEqual([
      ...versions.rows.slice(1).map(() => true),
      false,
    ]);
    const current = await stack.warehouse.query<{ units: number }>(
      'SELECT units_sold AS units FROM analytics.current_sales_order WHERE sales_order_id = $1',
      [order],
    );
    expect(current.rows).toEqual([{ units: versions.rows.at(-1)!.units }]);
    // The source never deleted it: only its older versions differ from the reference.
    expect(
      await compareWithReference(stack.source, stack.warehouse, {
        exceptKeys: { fact_sales_order: [order] },
      }),
    ).toEqual([]);
  });

  it('sets a bad tombstone line aside, naming its table, object and line, and applies the rest', async () => {
    const gone = await stack.source.query<{ id: number }>(
      'DELETE FROM payment WHERE payment_id = (SELECT max(payment_id) FROM payment) RETURNING payment_id AS id',
    );
    const batch = await landGoneKeys(stack.landing, stack.source, stack.warehouse, {
      extraLines: { payment: ['{"key":"seven","deletedAt":"2026-12-05T12:00:00.000000Z"}'] },
    });
    expect(batch.tombstones.payment?.map((t) => t.key)).toEqual([gone.rows[0]!.id]);
    const load = await throughWarehouse(batch);

    const processed = parseProcessedManifest(
      (await stack.processed.get(batch.manifestKey)).toString('utf8'),
      { bucket: stack.processed.bucket, key: batch.manifestKey },
    );
    const quarantineKey = quarantinedTombstonesKey('payment', batch.batchId);
    expect(processed.deletes).toEqual([
      {
        source: 'payment',
        table: 'fact_payment',
        key: processedDeletesKey('fact_payment', batch.batchId),
        rows: 1,
        setAside: 1,
        quarantineKey,
      },
    ]);
    const [line] = await readJsonLines(stack.landing, quarantineKey);
    expect(line).toMatchObject({ table: 'payment', line: 2 });
    expect(line?.reason).toContain(
      `s3://${stack.landing.bucket}/payment/${batch.batchId}.deletes.jsonl line 2 column key (table payment)`,
    );
    expect(load.tables.find((t) => t.table === 'fact_payment')?.deleted).toBeGreaterThan(0);
    expect(
      await compareWithReference(stack.source, stack.warehouse, {
        exceptKeys: { fact_sales_order: supersededOrder === undefined ? [] : [supersededOrder] },
      }),
    ).toEqual([]);
  });

  it('a crash after the deletes are applied, before COMMIT, leaves nothing; the retry applies them', async () => {
    const gone = await stack.source.query<{ id: number }>(
      'DELETE FROM payment WHERE payment_id = (SELECT max(payment_id) FROM payment) RETURNING payment_id AS id',
    );
    const payment = gone.rows[0]!.id;
    const batch = await landGoneKeys(stack.landing, stack.source, stack.warehouse);
    const transform = await transformBatch(stack, batch.manifestKey, silentLogger);
    await expect(
      runLoad({
        processed: stack.processed,
        warehouse: new PostgresWarehouseWriter(
          faultyPool(stack.warehouse, (sql) =>
            /^UPDATE "fact_payment" AS t SET "source_deleted_at"/.test(sql)
              ? { point: 'after the deletes of fact_payment', when: 'after' }
              : undefined,
          ),
        ),
        logger: silentLogger,
        manifestKey: transform.manifestKey,
      }),
    ).rejects.toThrow(/injected fault/);
    const marked = () =>
      stack.warehouse.query(
        'SELECT 1 FROM fact_payment WHERE payment_id = $1 AND source_deleted_at IS NOT NULL',
        [payment],
      );
    expect((await marked()).rows).toEqual([]);

    const retry = await loadBatch(stack, batch.manifestKey, silentLogger);
    expect(retry.skipped).toBe(false);
    expect((await marked()).rows.length).toBeGreaterThan(0);
    expect(
      await compareWithReference(stack.source, stack.warehouse, {
        exceptKeys: { fact_sales_order: supersededOrder === undefined ? [] : [supersededOrder] },
      }),
    ).toEqual([]);
  });
});
