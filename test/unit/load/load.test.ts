import { runLoad, type LoadOptions } from '../../../lambdas/load/load';
import { processedDeletesKey } from '../../../contract/key-layout';
import { manifestKey, processedKey } from '../../../lambdas/shared/core/batch';
import type { ProcessedManifest } from '../../../lambdas/shared/core/manifest';
import { PipelineError } from '../../../lambdas/shared/core/pipeline-error';
import { ReconciliationError } from '../../../lambdas/shared/core/reconcile';
import { ParquetFileError } from '../../../lambdas/shared/parquet/parquet-errors';
import { MissingObjectError } from '../../../lambdas/shared/ports/object-store';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { MemoryWarehouseWriter } from '../../support/fakes/memory-warehouse-writer';
import { staffManifest } from '../../support/fakes/staff-manifest';
import { recordingLogger } from '../../support/fakes/recording-logger';

const BATCH = '20261123T043451123Z-3f9a1c';
const NEWEST = '2026-11-23T04:30:00.123456Z';

/** The batch's processed manifest, its tables listed facts first: the load must reorder them. */
const manifest = staffManifest(
  BATCH,
  {},
  {
    newestSourceChange: NEWEST,
    tables: ['fact_sales_order', 'dim_staff', 'dim_date', 'dim_currency'].map((table) => ({
      table,
      key: processedKey(table, BATCH),
      rows: table.length,
    })),
  },
);

/** The processed bucket holding `m` and a file for each of its tables, and a warehouse in memory. */
async function batchIn(m: ProcessedManifest = manifest) {
  const processed = memoryObjectStore('processed');
  await processed.put(manifestKey(m.batchId), JSON.stringify(m));
  for (const t of m.tables) await processed.put(t.key, `parquet of ${t.table}`);
  const warehouse = new MemoryWarehouseWriter();
  const load = (options: Partial<LoadOptions> = {}) =>
    runLoad({
      processed,
      warehouse,
      logger: silentLogger,
      manifestKey: manifestKey(m.batchId),
      ...options,
    });
  return { processed, warehouse, load };
}

describe('runLoad writes a batch in one transaction', () => {
  it('dimensions before the facts that refer to them, then the load log, then commits', async () => {
    const { warehouse, load } = await batchIn();
    const result = await load();
    expect(warehouse.steps).toEqual([
      'begin',
      'write dim_date',
      'write dim_staff',
      'write dim_currency',
      'write fact_sales_order',
      `log ${BATCH}`,
      'commit',
      'release',
    ]);
    expect(result).toEqual({
      batchId: BATCH,
      skipped: false,
      tables: ['dim_date', 'dim_staff', 'dim_currency', 'fact_sales_order'].map((table) => ({
        table,
        staged: table.length,
        written: table.length,
      })),
      newestSourceChange: NEWEST,
      completeUpTo: null,
    });
  });

  it('logs what each table staged and wrote, and the newest source change', async () => {
    const { warehouse, load } = await batchIn();
    const { tables } = await load();
    expect(warehouse.loadLog.entries.get(BATCH)).toMatchObject({
      batchId: BATCH,
      tables,
      newestSourceChange: NEWEST,
    });
  });
});

describe('runLoad of a batch the load log already holds', () => {
  it('writes nothing and rolls back: an event delivered twice loads once', async () => {
    const { warehouse, load } = await batchIn();
    await load();
    const logged = warehouse.loadLog.entries.get(BATCH);
    warehouse.steps.length = 0;
    const again = await load();
    expect(again).toEqual({
      batchId: BATCH,
      skipped: true,
      tables: [],
      newestSourceChange: NEWEST,
      completeUpTo: null,
    });
    expect(warehouse.steps).toEqual(['begin', 'rollback', 'release']);
    expect(warehouse.loadLog.entries.get(BATCH)).toBe(logged);
  });

  it('loads it again when forced, and brings its log entry up to date', async () => {
    const { warehouse, load } = await batchIn();
    await load();
    const logged = warehouse.loadLog.entries.get(BATCH);
    const forced = await load({ force: true });
    expect(forced.skipped).toBe(false);
    expect(warehouse.committed).toHaveLength(2 * manifest.tables.length);
    expect(warehouse.loadLog.entries.get(BATCH)).not.toBe(logged);
  });
});

describe('runLoad refuses a batch and writes nothing of it', () => {
  it('when reconciliation refuses its manifest: the warehouse is never opened', async () => {
    const { warehouse, load } = await batchIn();
    const refusal = new ReconciliationError('processed rows differ from landed rows');
    await expect(load({ reconcile: () => Promise.reject(refusal) })).rejects.toBe(refusal);
    expect(warehouse.steps).toEqual([]);
    expect(warehouse.loadLog.entries.size).toBe(0);
  });

  it('when a table write fails: rolled back, not logged, the error as it was', async () => {
    const { warehouse, load } = await batchIn();
    const broken = new Error('connection reset');
    warehouse.failing.set('dim_currency', broken);
    await expect(load()).rejects.toBe(broken);
    expect(warehouse.steps.slice(-3)).toEqual(['write dim_currency', 'rollback', 'release']);
    expect(warehouse.committed).toEqual([]);
    expect(warehouse.loadLog.entries.size).toBe(0);
  });

  it('an unreadable table file is copied to quarantine and named, with the replay to run', async () => {
    const { processed, warehouse, load } = await batchIn();
    const key = processedKey('dim_staff', BATCH);
    warehouse.failing.set(
      'dim_staff',
      new ParquetFileError(`s3://processed/${key}`, 'not a Parquet file'),
    );
    const refusal = load();
    await expect(refusal).rejects.toMatchObject({ name: 'LoadError', kind: 'bad-data' });
    await expect(refusal).rejects.toThrow(
      `s3://processed/${key}: not a Parquet file. Batch ${BATCH} was not loaded (copied to s3://processed/quarantine/${key}): re-run the transform for this batch (deliverance replay --batch ${BATCH} --stage transform --force)`,
    );
    expect(processed.objects.get(`quarantine/${key}`)?.toString()).toBe('parquet of dim_staff');
    expect(warehouse.steps.slice(-2)).toEqual(['rollback', 'release']);
    expect(warehouse.loadLog.entries.size).toBe(0);
  });

  it('a fact referring to a dimension row not loaded yet is transient: a retry loads it', async () => {
    const { warehouse, load } = await batchIn();
    const violation = Object.assign(new Error('insert violates foreign key constraint'), {
      code: '23503',
      constraint: 'fact_sales_order_sales_staff_id_fkey',
      detail: 'Key (sales_staff_id)=(9) is not present in table "dim_staff".',
    });
    warehouse.failing.set('fact_sales_order', violation);
    const refusal = load();
    await expect(refusal).rejects.toMatchObject({ name: 'LoadError', kind: 'transient' });
    await expect(refusal).rejects.toThrow(
      `Batch ${BATCH}: fact_sales_order from s3://processed/${processedKey('fact_sales_order', BATCH)} refers to a dimension row that is not in the warehouse yet (fact_sales_order_sales_staff_id_fkey: Key (sales_staff_id)=(9) is not present in table "dim_staff".)`,
    );
    expect(warehouse.loadLog.entries.size).toBe(0);
  });

  it('a table file that is missing is not quarantined: the stage parks the batch', async () => {
    const { processed, warehouse, load } = await batchIn();
    const key = processedKey('dim_date', BATCH);
    await processed.delete(key);
    await expect(load()).rejects.toBeInstanceOf(MissingObjectError);
    expect([...processed.objects.keys()].filter((k) => k.startsWith('quarantine/'))).toEqual([]);
    expect(warehouse.steps.slice(-2)).toEqual(['rollback', 'release']);
  });

  it('a manifest naming a table the warehouse has not: bad data, before any write', async () => {
    const widgets = { table: 'widgets', key: processedKey('widgets', BATCH), rows: 1 };
    const { warehouse, load } = await batchIn(staffManifest(BATCH, {}, { tables: [widgets] }));
    const refusal = load();
    await expect(refusal).rejects.toMatchObject({ kind: 'bad-data' });
    await expect(refusal).rejects.toThrow(
      `s3://processed/manifests/${BATCH}.json names unknown warehouse table widgets`,
    );
    expect(warehouse.steps).toEqual(['begin', 'rollback', 'release']);
  });
});

describe('runLoad says what it did and why it refused', () => {
  const message = (refusal: Promise<unknown>) =>
    refusal.then(
      () => 'loaded',
      (error: unknown) => (error as Error).message,
    );

  it("logs each table loaded and each table's deletes applied, after every upsert and before the log entry", async () => {
    const deletesKey = processedDeletesKey('dim_staff', BATCH);
    const { processed, warehouse, load } = await batchIn(
      staffManifest(
        BATCH,
        { rows: 3 },
        {
          deletes: [{ source: 'staff', table: 'dim_staff', key: deletesKey, rows: 2, setAside: 0 }],
        },
      ),
    );
    await processed.put(deletesKey, 'tombstones');
    const logger = recordingLogger();

    const result = await load({ logger });

    expect(warehouse.steps).toEqual([
      'begin',
      'write dim_staff',
      'delete dim_staff',
      `log ${BATCH}`,
      'commit',
      'release',
    ]);
    expect(logger.lines).toEqual([
      ['info', 'Loaded table', { batchId: BATCH, table: 'dim_staff', staged: 3, written: 3 }],
      [
        'info',
        'Applied deletes',
        { batchId: BATCH, table: 'dim_staff', tombstones: 2, deleted: 2 },
      ],
    ]);
    expect(result.tables).toEqual([{ table: 'dim_staff', staged: 3, written: 3, deleted: 2 }]);
  });

  it('logs that a batch already loaded has nothing to do', async () => {
    const { load } = await batchIn();
    await load();
    const logger = recordingLogger();
    await load({ logger });
    expect(logger.lines).toEqual([
      ['info', 'Batch already loaded: nothing to do', { batchId: BATCH }],
    ]);
  });

  it('names the object of unreadable data once, and says when it could not be copied aside', async () => {
    const { processed, warehouse, load } = await batchIn();
    const key = processedKey('dim_staff', BATCH);
    const where = `s3://processed/${key}`;
    // A reason that names the object already is not given its name twice.
    warehouse.failing.set('dim_staff', new ParquetFileError(where, 'not a Parquet file'));
    const logger = recordingLogger();
    expect(await message(load({ logger }))).toBe(
      `${where}: not a Parquet file. Batch ${BATCH} was not loaded (copied to s3://processed/quarantine/${key}): re-run the transform for this batch (deliverance replay --batch ${BATCH} --stage transform --force)`,
    );
    expect(logger.lines).toContainEqual([
      'error',
      'Processed object refused: the batch is not loaded',
      { batchId: BATCH, key, reason: `${where}: not a Parquet file` },
    ]);

    // One that does not is; and a quarantine that fails leaves the copy unsaid.
    class TruncatedFile extends PipelineError {
      readonly kind = 'bad-data';
    }
    warehouse.failing.set('dim_staff', new TruncatedFile('row group 2 is truncated'));
    processed.upload = () => Promise.reject(new Error('bucket gone'));
    expect(await message(load())).toBe(
      `${where}: row group 2 is truncated. Batch ${BATCH} was not loaded: re-run the transform for this batch (deliverance replay --batch ${BATCH} --stage transform --force)`,
    );
  });

  it('says "foreign key" for a violation that names no constraint and gives no detail', async () => {
    const { warehouse, load } = await batchIn();
    warehouse.failing.set(
      'fact_sales_order',
      Object.assign(new Error('insert violates foreign key constraint'), { code: '23503' }),
    );
    expect(await message(load())).toContain(
      `refers to a dimension row that is not in the warehouse yet (foreign key). An earlier batch`,
    );
  });
});
