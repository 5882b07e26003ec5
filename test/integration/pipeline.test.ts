import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { loadBatch, runCycle, transformBatch, type CycleResult } from '../../local/run-cycle';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
const cycle = () => runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });

async function warehouseCounts(): Promise<Record<string, number>> {
  const result = await stack.warehouse.query<{ table: string; rows: number }>(
    `SELECT 'fact_sales_order' AS table, count(*)::int AS rows FROM fact_sales_order
     UNION ALL SELECT 'fact_payment', count(*)::int FROM fact_payment
     UNION ALL SELECT 'fact_purchase_order', count(*)::int FROM fact_purchase_order
     UNION ALL SELECT 'dim_staff', count(*)::int FROM dim_staff
     UNION ALL SELECT 'dim_date', count(*)::int FROM dim_date
     UNION ALL SELECT 'load_log', count(*)::int FROM etl.load_log`,
  );
  return Object.fromEntries(result.rows.map((r) => [r.table, r.rows]));
}

/** The first, full run: every test starts after it, whichever runs alone. */
let first: CycleResult;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.2 });
  await recordSourceHistory(stack.source);
  first = await cycle();
});
afterAll(() => stack.stop());

describe('the pipeline end to end on the embedded stack', () => {
  it('lands exactly the rows of totesys on a first, full run', async () => {
    for (const name of SOURCE_TABLE_NAMES) {
      const table = SOURCE_TABLES[name];
      const entry = first.ingest.manifest.tables.find((t) => t.table === name);
      expect(entry?.from).toBeNull();
      const landed = (
        await Promise.all((entry?.keys ?? []).map((key) => readJsonLines(stack.landing, key)))
      ).flat();
      const source = await stack.source.query<{ id: number; lu: string }>(
        `SELECT ${table.primaryKey} AS id, to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS lu FROM ${name}`,
      );
      const key = (id: unknown, lu: unknown) => `${String(id)}@${String(lu)}`;
      expect(landed.map((r) => key(r[table.primaryKey], r.last_updated)).sort()).toEqual(
        source.rows.map((r) => key(r.id, r.lu)).sort(),
      );
      expect(entry?.rows).toBe(source.rows.length);
    }
  });

  it('fills the warehouse with exactly what the OLTP data says', async () => {
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    const currencies = await stack.warehouse.query<{
      currency_code: string;
      currency_name: string;
    }>(
      `SELECT currency_code, currency_name FROM dim_currency WHERE currency_code IN ('GBP', 'USD', 'EUR')`,
    );
    expect(
      Object.fromEntries(currencies.rows.map((r) => [r.currency_code, r.currency_name])),
    ).toEqual({
      GBP: 'British Pound',
      USD: 'US Dollar',
      EUR: 'Euro',
    });
  });

  it('writes no table file when nothing changed, and changes nothing', async () => {
    const before = await warehouseCounts();
    const quiet = await cycle();
    expect(quiet.ingest.manifest.tables.flatMap((t) => t.keys)).toEqual([]);
    expect(quiet.transform.manifest?.tables).toEqual([]);
    const after = await warehouseCounts();
    expect(after).toEqual({ ...before, load_log: before.load_log! + 1 });
  });

  it('carries inserts, updates, a department rename and an address move through', async () => {
    const client = await stack.source.connect();
    const changes = await applyDemoChanges(client).finally(() => client.release());
    const next = await cycle();

    const salesEntry = next.ingest.manifest.tables.find((t) => t.table === 'sales_order');
    const landedSales = await readJsonLines(stack.landing, salesEntry!.keys[0]!);
    const landedIds = new Set(landedSales.map((r) => r.sales_order_id));
    for (const id of changes.newSalesOrderIds) expect(landedIds.has(id)).toBe(true);

    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

    const renamed = await stack.warehouse.query<{ department_name: string; n: number }>(
      `SELECT department_name, count(*)::int AS n FROM dim_staff WHERE department_name IN ($1, $2) GROUP BY 1`,
      [changes.renamedDepartment.from, changes.renamedDepartment.to],
    );
    const staffInDepartment = await stack.source.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff WHERE department_id = $1',
      [changes.renamedDepartment.departmentId],
    );
    expect(renamed.rows).toEqual([
      { department_name: changes.renamedDepartment.to, n: staffInDepartment.rows[0]!.n },
    ]);

    const moved = await stack.warehouse.query(
      `SELECT 1 FROM dim_location WHERE location_id = $1 AND city = $2`,
      [changes.movedAddress.addressId, changes.movedAddress.city],
    );
    expect(moved.rowCount).toBe(1);
    // Every counterparty whose legal address moved shows the new city.
    const movedCounterparties = await stack.source.query<{ id: number }>(
      'SELECT counterparty_id AS id FROM counterparty WHERE legal_address_id = $1 ORDER BY 1',
      [changes.movedAddress.addressId],
    );
    expect(movedCounterparties.rowCount).toBeGreaterThan(0);
    const cities = await stack.warehouse.query<{ id: number; city: string }>(
      `SELECT counterparty_id AS id, counterparty_legal_city AS city FROM dim_counterparty
       WHERE counterparty_id = ANY($1::int[]) ORDER BY 1`,
      [movedCounterparties.rows.map((r) => r.id)],
    );
    expect(cities.rows).toEqual(
      movedCounterparties.rows.map(({ id }) => ({ id, city: changes.movedAddress.city })),
    );

    const history = await stack.warehouse.query<{ versions: number; paid: boolean[] }>(
      `SELECT count(*)::int AS versions, array_agg(paid ORDER BY last_updated_date, last_updated_time) AS paid
       FROM fact_payment WHERE payment_id = $1`,
      [changes.paidPaymentIds[0]],
    );
    expect(history.rows[0]).toEqual({ versions: 2, paid: [false, true] });
  });

  it('running the same batch again changes nothing', async () => {
    const before = await warehouseCounts();
    const replayedTransform = await transformBatch(stack, first.ingest.manifestKey, silentLogger);
    expect(replayedTransform.skipped).toBe(true);
    const replayedLoad = await loadBatch(stack, first.transform.manifestKey, silentLogger);
    expect(replayedLoad.skipped).toBe(true);

    // Even with its load-log entry gone, re-loading the first batch adds no row.
    await stack.warehouse.query('DELETE FROM etl.load_log WHERE batch_id = $1', [
      first.ingest.batchId,
    ]);
    const forced = await loadBatch(stack, first.transform.manifestKey, silentLogger);
    expect(forced.skipped).toBe(false);
    expect(forced.tables.filter((t) => t.table.startsWith('fact_')).map((t) => t.written)).toEqual([
      0, 0, 0,
    ]);
    expect(await warehouseCounts()).toEqual(before);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('leaves every watermark where it was when an upload fails', async () => {
    const client = await stack.source.connect();
    await applyDemoChanges(client).finally(() => client.release());
    const watermarksBefore = await Promise.all(
      SOURCE_TABLE_NAMES.map((t) => stack.watermarks.read(t)),
    );
    let uploads = 0;
    const failing: ObjectStore = Object.create(stack.landing) as ObjectStore;
    failing.upload = async (key, body, type) => {
      if (++uploads === 2) throw new Error('injected: upload failed');
      return stack.landing.upload(key, body, type);
    };
    await expect(
      runIngest({
        source: new PostgresSource(stack.source),
        landing: failing,
        watermarks: stack.watermarks,
        logger: silentLogger,
        overlapSeconds: 300,
        concurrency: 1,
      }),
    ).rejects.toThrow('injected: upload failed');
    expect(await Promise.all(SOURCE_TABLE_NAMES.map((t) => stack.watermarks.read(t)))).toEqual(
      watermarksBefore,
    );
    // The next run catches up.
    await cycle();
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
