import { runIngest, type IngestOptions, type IngestResult } from '../../../lambdas/ingest/ingest';
import { SOURCE_TABLES, type SourceTableName } from '../../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { MemorySource, type MemoryRow } from '../../support/fakes/memory-source';
import { MemoryWatermarkStore } from '../../support/fakes/memory-watermark-store';
import { recordingLogger } from '../../support/fakes/recording-logger';

/** Three tables in foreign-key order: a staff member works in a department, sells orders. */
const TABLES: SourceTableName[] = ['department', 'staff', 'sales_order'];
const EARLIER = '2026-11-23T04:00:00.000000Z';

/** A stamp `minute` minutes past 04:00, before the source's clock (04:34:51). */
const stamp = (minute: number) => `2026-11-23T04:${String(minute).padStart(2, '0')}:00.000000Z`;

const row = (table: SourceTableName, key: number, lastUpdated = stamp(key)): MemoryRow => ({
  [SOURCE_TABLES[table].primaryKey]: key,
  last_updated: lastUpdated,
});

/** A source with a row in each of TABLES, an empty bucket and no watermarks yet. */
function ingestOver() {
  const source = new MemorySource();
  for (const table of TABLES) source.insert(table, row(table, 1));
  const landing = memoryObjectStore('landing');
  const watermarks = new MemoryWatermarkStore();
  const run = (options: Partial<IngestOptions> = {}) =>
    runIngest({
      source,
      landing,
      watermarks,
      logger: silentLogger,
      overlapSeconds: 0,
      tables: TABLES,
      ...options,
    });
  /** The primary keys a batch landed of `table`, over all its parts. */
  const landedKeys = async (result: IngestResult, table: SourceTableName) => {
    const entry = result.manifest.tables.find((t) => t.table === table);
    const objects = await Promise.all((entry?.keys ?? []).map((key) => landing.get(key)));
    return Buffer.concat(objects)
      .toString()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => (JSON.parse(line) as MemoryRow)[SOURCE_TABLES[table].primaryKey]);
  };
  return { source, landing, watermarks, run, landedKeys };
}

const tablesOf = (result: IngestResult) => result.manifest.tables.map((t) => [t.table, t.rows]);

describe('runIngest moves a watermark only once its batch is safely landed', () => {
  it('writes the manifest, then the watermarks at the source clock', async () => {
    const { source, landing, watermarks, run } = ingestOver();
    const order: string[] = [];
    const put = landing.put;
    landing.put = async (key, body, type) => {
      order.push(`put ${key}`);
      await put(key, body, type);
    };
    const write = watermarks.write.bind(watermarks);
    watermarks.write = async (table, watermark) => {
      order.push(`watermark ${table}`);
      await write(table, watermark);
    };
    const result = await run();
    expect(order).toEqual([
      `put ${result.manifestKey}`,
      ...TABLES.map((table) => `watermark ${table}`),
    ]);
    expect(tablesOf(result)).toEqual(TABLES.map((table) => [table, 1]));
    expect([...watermarks.marks]).toEqual(TABLES.map((table) => [table, source.now]));
  });

  it("leaves every watermark where it was when a table's upload fails, and writes no manifest", async () => {
    const { source, landing, watermarks, run } = ingestOver();
    watermarks.marks.set('department', EARLIER);
    const upload = landing.upload;
    landing.upload = (key, body, type) =>
      key.startsWith('staff/') ? Promise.reject(new Error('S3 said no')) : upload(key, body, type);
    await expect(run()).rejects.toThrow('S3 said no');
    expect(watermarks.writes).toEqual([]);
    expect(watermarks.marks.get('department')).toBe(EARLIER);
    expect(await landing.list('manifests/')).toEqual([]);
    expect(source.steps).toContain('rollback');
  });
});

describe('runIngest with maxBatchRows', () => {
  it('lands the cap of a larger table, holds the tables after it, and goes on in the next batches', async () => {
    const { source, watermarks, run, landedKeys } = ingestOver();
    source.insert('department', ...[2, 3, 4, 5].map((key) => row('department', key)));
    const first = await run({ maxBatchRows: 2 });
    expect(tablesOf(first)).toEqual([['department', 2]]);
    expect(first.caughtUp).toBe(false);
    expect(first.manifest.tables[0]).toMatchObject({
      upTo: { lastUpdated: stamp(2), key: 2 },
      remaining: 3,
      remainingEstimated: false,
    });
    expect(watermarks.marks.has('staff')).toBe(false);
    // The tables after the capped one are not read at all: one COPY, department's.
    expect(source.copies).toEqual([{ cap: 2, unordered: false }]);
    const second = await run({ maxBatchRows: 2 });
    expect(tablesOf(second)).toEqual([['department', 2]]);
    const third = await run({ maxBatchRows: 2 });
    expect(tablesOf(third)).toEqual([
      ['department', 1],
      ['staff', 1],
      ['sales_order', 1],
    ]);
    const landed = [
      ...(await landedKeys(first, 'department')),
      ...(await landedKeys(second, 'department')),
      ...(await landedKeys(third, 'department')),
    ];
    expect(landed).toEqual([1, 2, 3, 4, 5]);
    expect(watermarks.marks.get('department')).toBe(source.now);
  });

  it('reports the planner’s estimate of the rows left, marked so, while they are more than two batches', async () => {
    const { source, run } = ingestOver();
    source.insert('department', ...[2, 3, 4, 5, 6, 7].map((key) => row('department', key)));
    source.remainingEstimates.set('department', 6);
    const logger = recordingLogger();
    const first = await run({ maxBatchRows: 2, logger });
    expect(first.manifest.tables[0]).toMatchObject({ remaining: 6, remainingEstimated: true });
    expect(logger.lines).toContainEqual([
      'info',
      'Extracted table',
      expect.objectContaining({
        table: 'department',
        capped: true,
        remaining: 6,
        remainingEstimated: true,
      }),
    ]);
    // Within two batches of the end, the rows are counted: 3 left after the second batch.
    source.remainingEstimates.set('department', 4);
    const second = await run({ maxBatchRows: 2 });
    expect(second.manifest.tables[0]).toMatchObject({ remaining: 3, remainingEstimated: false });
  });

  it("fails the batch when a table's landed lines are not the rows its COPY sent, moving nothing", async () => {
    const { source, landing, watermarks, run } = ingestOver();
    source.miscount = 1;
    const ingest = run({ maxBatchRows: 2 });
    await expect(ingest).rejects.toThrow(
      /^Extract of department wrote 1 lines to s3:\/\/landing\/department\/\S+\.jsonl but its COPY sent 2 rows: the batch is not landed, and the next run reads the window again$/,
    );
    // Tables are read one at a time under a cap: the failed one stops the batch.
    expect(source.copies).toHaveLength(1);
    expect(watermarks.writes).toEqual([]);
    expect(await landing.list('manifests/')).toEqual([]);
  });
});

describe('runIngest leaves some tables for later', () => {
  it('skips a paused table and the tables after it, their watermarks unmoved', async () => {
    const { source, watermarks, run } = ingestOver();
    watermarks.pausedTables = ['staff'];
    watermarks.marks.set('staff', EARLIER);
    const result = await run();
    expect(tablesOf(result)).toEqual([['department', 1]]);
    expect([...watermarks.marks]).toEqual([
      ['staff', EARLIER],
      ['department', source.now],
    ]);
  });

  it('stops a table whose column was dropped and holds the tables after it; the others go on', async () => {
    const { source, watermarks, run } = ingestOver();
    source.changes.set('staff', [
      { table: 'staff', column: 'email_address', change: 'dropped', before: 'text', after: null },
    ]);
    const result = await run();
    expect(result.schema).toMatchObject({ stopped: ['staff'], held: ['sales_order'] });
    expect(tablesOf(result)).toEqual([['department', 1]]);
    expect(result.manifest.schemaChanges).toEqual([
      expect.objectContaining({ table: 'staff', column: 'email_address', change: 'dropped' }),
    ]);
    expect([...watermarks.marks.keys()]).toEqual(['department']);
  });

  it('reports rows stamped past the source clock, and lands none of them', async () => {
    const { source, run, landedKeys } = ingestOver();
    source.insert('staff', row('staff', 2, '2099-01-01T00:00:00.000000Z'));
    const result = await run();
    expect(result.futureStamped).toEqual([
      {
        table: 'staff',
        rows: 1,
        keys: [{ key: 2, lastUpdated: '2099-01-01T00:00:00.000000Z' }],
      },
    ]);
    expect(await landedKeys(result, 'staff')).toEqual([1]);
  });
});

describe('runIngest refuses a watermark it cannot use', () => {
  it('fails the run, naming every table at fault, and lands nothing of any table', async () => {
    const { landing, watermarks, run } = ingestOver();
    watermarks.marks.set('staff', '2099-01-01T00:00:00.000000Z');
    watermarks.marks.set('sales_order', 'not-a-time');
    await expect(run()).rejects.toThrow(
      /^2 watermarks are refused: The watermark of staff \(2099-01-01T00:00:00\.000000Z\) is later than the source's clock \(2026-11-23T04:34:51\.000000Z\)[^|]* \| The watermark of sales_order is not a timestamp \("not-a-time"\)/,
    );
    expect(landing.objects.size).toBe(0);
    expect(watermarks.writes).toEqual([]);
  });
});
