import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { BULK_MIN_ROWS } from '../../lambdas/load/bulk-load';
import { setPhaseRecorder } from '../../lambdas/shared/phase-timer';
import { loadBatch, migrateLocalWarehouse, runCycle, transformBatch } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

// Scale 2: fact_sales_order gets 20,000 rows, enough for the load's bulk path into empty tables.
const PART_ROWS = 7_000;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 2 });
  await recordSourceHistory(stack.source);
});
afterAll(() => stack.stop());

/**
 * The object ids of the index and the foreign key a DBA added to fact_sales_order: the bulk path
 * drops and recreates them (new ids), the staging path leaves them (the same ids).
 */
async function tunedObjectIds(): Promise<{ index: number; foreignKey: number }> {
  const result = await stack.warehouse.query<{ index: number; foreignKey: number }>(
    `SELECT (SELECT oid::int FROM pg_class WHERE relname = 'Ix Mixed-Case') AS index,
            (SELECT oid::int FROM pg_constraint WHERE conname = 'Fk Mixed-Case') AS "foreignKey"`,
  );
  return result.rows[0]!;
}

async function constraintsAndIndexes(): Promise<string[]> {
  const result = await stack.warehouse.query<{ item: string }>(
    `SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS item
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace
     UNION ALL
     SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
     ORDER BY 1`,
  );
  return result.rows.map((r) => r.item);
}

describe('a large table lands in parts, and a large first load takes the bulk path', () => {
  it('splits every table into parts of at most partRows rows, none lost or repeated; the bulk load keeps indexes and keys whose names need quoting', async () => {
    expect(BULK_MIN_ROWS).toBeLessThanOrEqual(20_000);
    await migrateLocalWarehouse(stack);
    // Names that need quoting, as a DBA tuning the warehouse might choose them.
    await stack.warehouse.query(`
      CREATE INDEX "Ix Mixed-Case" ON fact_sales_order (units_sold);
      ALTER TABLE fact_sales_order ADD CONSTRAINT "Fk Mixed-Case"
        FOREIGN KEY (design_id) REFERENCES dim_design (design_id);
    `);
    const before = await constraintsAndIndexes();
    expect(before.length).toBeGreaterThan(30);
    expect(before).toContain(
      'CREATE INDEX "Ix Mixed-Case" ON public.fact_sales_order USING btree (units_sold)',
    );
    const ingest = await runIngest({
      source: new PostgresSource(stack.source),
      landing: stack.landing,
      watermarks: stack.watermarks,
      logger: silentLogger,
      overlapSeconds: 300,
      partRows: PART_ROWS,
    });
    for (const name of SOURCE_TABLE_NAMES) {
      const table = SOURCE_TABLES[name];
      const entry = ingest.manifest.tables.find((t) => t.table === name);
      const source = await stack.source.query<{ id: number }>(
        `SELECT ${table.primaryKey} AS id FROM ${name} ORDER BY 1`,
      );
      expect(entry?.keys.length).toBe(Math.max(1, Math.ceil(source.rows.length / PART_ROWS)));
      const ids: number[] = [];
      for (const key of entry?.keys ?? []) {
        const rows = await readJsonLines(stack.landing, key);
        expect(rows.length).toBeLessThanOrEqual(PART_ROWS);
        for (const row of rows) ids.push(row[table.primaryKey] as number);
      }
      expect(ids.sort((a, b) => a - b)).toEqual(source.rows.map((r) => r.id));
    }
    const salesOrder = ingest.manifest.tables.find((t) => t.table === 'sales_order');
    expect(salesOrder?.keys).toEqual([
      `sales_order/${ingest.batchId}.jsonl`,
      `sales_order/${ingest.batchId}.1.jsonl`,
      `sales_order/${ingest.batchId}.2.jsonl`,
    ]);

    const transform = await transformBatch(stack, ingest.manifestKey, silentLogger);
    const facts = transform.manifest?.tables.find((t) => t.table === 'fact_sales_order');
    expect(facts?.rows).toBeGreaterThanOrEqual(BULK_MIN_ROWS);
    const tuned = await tunedObjectIds();
    const phases = new Set<string>();
    setPhaseRecorder((phase) => phases.add(phase));
    const load = await loadBatch(stack, transform.manifestKey, silentLogger).finally(() =>
      setPhaseRecorder(undefined),
    );
    // The bulk path took the table: it dropped and rebuilt its index and foreign key.
    expect([...phases]).toEqual(
      expect.arrayContaining([
        'load: drop FKs and indexes',
        'load: rebuild indexes',
        'load: validate FKs',
      ]),
    );
    const rebuilt = await tunedObjectIds();
    expect(rebuilt.index).not.toBe(tuned.index);
    expect(rebuilt.foreignKey).not.toBe(tuned.foreignKey);
    expect(load.tables.find((t) => t.table === 'fact_sales_order')?.written).toBe(facts?.rows);

    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    // The bulk path dropped and rebuilt the foreign keys and indexes, whatever their names: all
    // back, all validated.
    expect(await constraintsAndIndexes()).toEqual(before);
    const unvalidated = await stack.warehouse.query(
      `SELECT conname FROM pg_constraint WHERE NOT convalidated`,
    );
    expect(unvalidated.rows).toEqual([]);
  });

  it('loads an incremental batch through staging on top of the bulk-loaded tables', async () => {
    // Alone, the first load is this test's own: a first run of this size takes the bulk path.
    await migrateLocalWarehouse(stack);
    const loaded = await stack.warehouse.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM etl.load_log',
    );
    if (loaded.rows[0]!.n === 0)
      await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    const client = await stack.source.connect();
    await applyDemoChanges(client).finally(() => client.release());
    const before = await constraintsAndIndexes();
    const tuned = await tunedObjectIds();
    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    // Through staging: the tables that now hold rows kept their indexes and keys as they were.
    expect(await constraintsAndIndexes()).toEqual(before);
    expect(await tunedObjectIds()).toEqual(tuned);
  });
});
