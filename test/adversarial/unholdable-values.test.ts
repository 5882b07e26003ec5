import { formatCycleSummary } from '../../cli/cycle-summary';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import type { SourceTableName } from '../../lambdas/shared/core/catalogue';
import type { ProcessedManifest, QuarantinedRows } from '../../lambdas/shared/core/manifest';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import {
  compareWithReference,
  forgetSourceVersion,
  recordSourceHistory,
} from '../integration/support/reference';
import { readJsonLines, startTestStack, type TestStack } from '../integration/support/test-stack';

/**
 * Values a source row may hold (or a landing line may carry) that the warehouse cannot hold
 * exactly. The promise: one such value costs its own row, set aside with its table, key, column
 * and landing object; the rest of the batch is loaded; the warehouse equals the reference minus
 * exactly the rows set aside; and the row, once corrected at the source, arrives with its next
 * version.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await recordSourceHistory(stack.source);
  await cycle();
});
afterAll(() => stack.stop());

const LANDING = 'deliverance-landing';
const cycle = () => runCycle(stack, { logger: silentLogger, overlapSeconds: 60 });

type FactSource = 'sales_order' | 'purchase_order' | 'payment';

async function someId(table: string): Promise<number> {
  const result = await stack.source.query<{ id: number }>(
    `SELECT max(${table}_id) AS id FROM ${table}`,
  );
  return result.rows[0]!.id;
}

/** A change to one row that also stamps it, so the next ingest reads it. */
async function change(table: string, id: number, assignments: string, values: unknown[] = []) {
  await stack.source.query(
    `UPDATE ${table} SET ${assignments}, last_updated = date_trunc('milliseconds', clock_timestamp())
     WHERE ${table}_id = $1`,
    [id, ...values],
  );
}

/** The one table entry of rows set aside, and the lines of its quarantine file. */
async function setAside(manifest: ProcessedManifest | undefined) {
  const entries = manifest?.quarantinedRows ?? [];
  expect(entries).toHaveLength(1);
  const entry = entries[0] as QuarantinedRows;
  const lines = await readJsonLines(stack.landing, entry.quarantineKey);
  return { entry, lines };
}

/**
 * Checks the single row set aside: its table, key and column named in the manifest and the
 * quarantine file, the landing object it came from, and its original row kept whole. Then
 * forgets that version from the reference (a fact) and answers the row.
 */
async function expectSetAside(
  manifest: ProcessedManifest | undefined,
  table: SourceTableName,
  key: number,
  column: string,
): Promise<Record<string, unknown>> {
  const { entry, lines } = await setAside(manifest);
  expect(entry).toMatchObject({
    table,
    rows: 1,
    quarantineKey: `quarantine/rows/${table}/${manifest!.batchId}.jsonl`,
  });
  expect(entry.first).toEqual([
    expect.objectContaining({
      key,
      column,
      source: expect.stringMatching(new RegExp(`^s3://${LANDING}/${table}/${manifest!.batchId}`)),
      reason: expect.stringContaining(`${table} row ${key} column ${column}`),
    }),
  ]);
  expect(lines).toHaveLength(1);
  const line = lines[0] as { key: number; column: string; row: Record<string, unknown> };
  expect(line).toMatchObject({ table, key, column });
  expect(line.row[`${table}_id`]).toBe(key);
  // The rest of the batch went on, and its counts add up: it is in the load log.
  const logged = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
    manifest!.batchId,
  ]);
  expect(logged.rowCount).toBe(1);
  if (table === 'sales_order' || table === 'purchase_order' || table === 'payment') {
    expect(
      await forgetSourceVersion(stack.source, table, key, line.row.last_updated as string),
    ).toBe(1);
  }
  return line.row;
}

/** Ingests, lets `spoil` rewrite the landed line of `table` row `key`, transforms and loads. */
async function cycleWithLandedLine(
  table: FactSource | 'design',
  key: number,
  spoil: (line: string) => string,
): Promise<ProcessedManifest | undefined> {
  const ingest = await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 60,
  });
  const [object] = ingest.manifest.tables.find((t) => t.table === table)!.keys;
  const text = (await stack.landing.get(object!)).toString('utf8');
  const lines = text.split('\n').map((line) => {
    if (line.length === 0) return line;
    return (JSON.parse(line) as Record<string, unknown>)[`${table}_id`] === key
      ? spoil(line)
      : line;
  });
  expect(lines.join('\n')).not.toBe(text);
  await stack.landing.put(object!, lines.join('\n'));
  const transform = await transformBatch(stack, ingest.manifestKey, silentLogger);
  await loadBatch(stack, transform.manifestKey, silentLogger);
  return transform.manifest;
}

describe('a value the warehouse cannot hold costs its own row, not the pipeline', () => {
  it.each<[FactSource, string]>([
    ['purchase_order', 'item_unit_price'],
    ['payment', 'payment_amount'],
  ])(
    '123456789012.5 in %s.%s (beyond DECIMAL(10,2)): the row is set aside with its key, the rest loads, and the corrected row arrives with its next version',
    async (table, column) => {
      const id = await someId(table);
      await change(table, id, `${column} = 123456789012.5`);
      const result = await cycle();
      const { transform } = result;
      const row = await expectSetAside(transform.manifest, table, id, column);
      expect(row[column]).toBe('123456789012.5');
      // The run says how many rows were set aside and where: its summary and its run record.
      const kept = `quarantine/rows/${table}/${transform.batchId}.jsonl`;
      expect(formatCycleSummary(result)).toContain(
        `${table}: 1 row(s), kept in ${kept} of the landing bucket`,
      );
      const record = JSON.parse(
        (await stack.processed.get(`runs/${transform.batchId}/transform.json`)).toString('utf8'),
      ) as { setAside?: unknown };
      expect(record.setAside).toEqual([{ table, rows: 1, quarantineKey: kept }]);
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

      await change(table, id, `${column} = 12.5`);
      const next = await cycle();
      expect(next.transform.manifest?.quarantinedRows ?? []).toEqual([]);
      const loaded = await stack.warehouse.query<{ v: string }>(
        `SELECT ${column}::text AS v FROM fact_${table} WHERE ${table}_id = $1`,
        [id],
      );
      expect(loaded.rows.map((r) => r.v)).toContain('12.50');
      expect(loaded.rows.map((r) => r.v)).not.toContain('123456789012.50');
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    },
  );

  it('a BC timestamp lands with its era, never as AD: the row is set aside, and the corrected row arrives with its next version', async () => {
    const id = await someId('sales_order');
    await change('sales_order', id, `created_at = '0044-03-15 12:00:00 BC'`);
    const { ingest, transform } = await cycle();
    const [object] = ingest.manifest.tables.find((t) => t.table === 'sales_order')!.keys;
    const landed = (await readJsonLines(stack.landing, object!)).find(
      (r) => r.sales_order_id === id,
    );
    expect(landed?.created_at).toBe('0044-03-15T12:00:00.000000Z BC');
    await expectSetAside(transform.manifest, 'sales_order', id, 'created_at');
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

    await change('sales_order', id, `created_at = '2024-03-15 12:00:00'`);
    await cycle();
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('NUL in a landed text value: the row is set aside naming key and column, never loaded or failing the load, and the corrected row arrives with its next version', async () => {
    const id = await someId('purchase_order');
    await change('purchase_order', id, 'item_quantity = item_quantity + 1');
    const manifest = await cycleWithLandedLine('purchase_order', id, (line) =>
      line.replace(/"item_code":"/, '"item_code":"\\u0000'),
    );
    const row = await expectSetAside(manifest, 'purchase_order', id, 'item_code');
    expect((row.item_code as string).startsWith('\u0000')).toBe(true);
    expect(manifest!.quarantinedRows![0]!.first[0]!.value).toContain('\\u0000');
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

    await change('purchase_order', id, 'item_quantity = item_quantity + 1');
    await cycle();
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('a lone surrogate in a landed text value is set aside, never turned into U+FFFD, and the corrected row arrives with its next version', async () => {
    const id = await someId('design');
    const before = await stack.warehouse.query<{ name: string }>(
      'SELECT design_name AS name FROM dim_design WHERE design_id = $1',
      [id],
    );
    await change('design', id, `design_name = design_name || ' II'`);
    // An order of that design in the same batch: the warehouse holds the design's earlier
    // version, so the order loads against it.
    const orderId = await someId('sales_order');
    await change('sales_order', orderId, 'design_id = $2', [id]);
    const manifest = await cycleWithLandedLine('design', id, (line) =>
      line.replace(/"design_name":"/, '"design_name":"\\ud800'),
    );
    const row = await expectSetAside(manifest, 'design', id, 'design_name');
    expect((row.design_name as string).charCodeAt(0)).toBe(0xd800);
    // The warehouse keeps the version before, untouched; nothing else differs.
    const after = await stack.warehouse.query<{ name: string }>(
      'SELECT design_name AS name FROM dim_design WHERE design_id = $1',
      [id],
    );
    expect(after.rows).toEqual(before.rows);
    expect(
      await compareWithReference(stack.source, stack.warehouse, {
        exceptKeys: { dim_design: [id] },
      }),
    ).toEqual([]);

    await change('design', id, `design_name = design_name || ' III'`);
    await cycle();
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('a new design set aside takes the sales order referring to it in the same batch along, so the load is not refused by its foreign key; both arrive once corrected', async () => {
    const design = await stack.source.query<{ id: number }>(
      `INSERT INTO design (design_name, file_location, file_name)
       VALUES ('Fresh', '/designs', 'fresh.json') RETURNING design_id AS id`,
    );
    const designId = design.rows[0]!.id;
    const order = await stack.source.query<{ id: number }>(
      `INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price, currency_id,
         agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
       SELECT $1, staff_id, counterparty_id, units_sold, unit_price, currency_id, agreed_delivery_date,
         agreed_payment_date, agreed_delivery_location_id FROM sales_order ORDER BY sales_order_id LIMIT 1
       RETURNING sales_order_id AS id`,
      [designId],
    );
    const orderId = order.rows[0]!.id;
    const manifest = await cycleWithLandedLine('design', designId, (line) =>
      line.replace(/"design_name":"/, '"design_name":"\\ud800'),
    );
    const entries = manifest?.quarantinedRows ?? [];
    expect(entries.map((e) => [e.table, e.rows, e.first[0]?.key, e.first[0]?.column])).toEqual([
      ['design', 1, designId, 'design_name'],
      ['sales_order', 1, orderId, 'design_id'],
    ]);
    expect(entries[1]!.first[0]!.reason).toContain(
      `sales_order row ${orderId} column design_id refers to design ${designId}, which this batch set aside`,
    );
    const [ordered] = await readJsonLines(stack.landing, entries[1]!.quarantineKey);
    const lastUpdated = (ordered as { row: { last_updated: string } }).row.last_updated;
    expect(
      await compareWithReference(stack.source, stack.warehouse, {
        exceptKeys: { dim_design: [designId], fact_sales_order: [orderId] },
      }),
    ).toEqual([]);
    const held = await stack.warehouse.query(
      'SELECT 1 FROM fact_sales_order WHERE sales_order_id = $1',
      [orderId],
    );
    expect(held.rowCount).toBe(0);

    // Corrected at the source, the design arrives; the order with its next version.
    await change('design', designId, `design_name = 'Fresh II'`);
    await change('sales_order', orderId, 'units_sold = units_sold + 1');
    await cycle();
    expect(await forgetSourceVersion(stack.source, 'sales_order', orderId, lastUpdated)).toBe(1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
