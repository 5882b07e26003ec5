import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { landingKey, manifestKey, newBatchId, processedKey } from '../../lambdas/shared/core/batch';
import { type SourceTableName } from '../../lambdas/shared/core/catalogue';
import { MAX_LANDING_LINE_BYTES } from '../../lambdas/shared/core/json-lines';
import { MANIFEST_MAX_BYTES } from '../../lambdas/shared/core/manifest';
import { silentLogger, type StageLogger } from '../../lambdas/shared/ports/stage-logger';
import { replayBatch } from '../../cli/commands/replay';
import { BULK_MIN_ROWS } from '../../lambdas/load/bulk-load';
import { loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

const LANDING = 'deliverance-landing';
const PROCESSED = 'deliverance-processed';
const OTHER_BATCH = '20261123T043451123Z-000000';

/** A landing manifest of a batch in which staff did not change, as ingest writes it. */
function emptyLandingManifest(batchId: string): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt: now,
    finishedAt: now,
    tables: [{ table: 'staff', keys: [], rows: 0, bytes: 0, from: now, to: now, newest: null }],
  };
}

const landedTable = (manifest: Record<string, unknown>) =>
  (manifest.tables as Record<string, unknown>[])[0]!;

/** A logger that keeps what it is told, to check warnings. */
function recordingLogger(): StageLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** New OLTP changes, ingested: answers the landing manifest, its objects and its batch. */
async function ingestChanges(): Promise<{
  manifest: string;
  salesKey: string;
  batchId: string;
  keyOf: (table: SourceTableName) => string;
}> {
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 5, paidPayments: 2 }).finally(() =>
    client.release(),
  );
  const result = await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 300,
  });
  const keyOf = (table: SourceTableName) =>
    result.manifest.tables.find((t) => t.table === table)!.keys[0]!;
  return {
    manifest: result.manifestKey,
    salesKey: keyOf('sales_order'),
    batchId: result.batchId,
    keyOf,
  };
}

/** Rewrites line `line` (1-based) of a landing object; answers the original bytes. */
async function corruptLine(
  key: string,
  line: number,
  change: (text: string) => string | Buffer,
): Promise<Buffer> {
  const original = await stack.landing.get(key);
  const lines = original
    .toString('utf8')
    .split('\n')
    .map((text, i) => (i === line - 1 ? change(text) : text))
    .map((text) => (typeof text === 'string' ? Buffer.from(text) : text));
  const joined = lines.flatMap((bytes, i) => (i === 0 ? [bytes] : [Buffer.from('\n'), bytes]));
  await stack.landing.put(key, Buffer.concat(joined));
  return original;
}

const BAD_LINES: [string, (text: string) => string | Buffer, RegExp][] = [
  ['a truncated line', (t) => t.slice(0, t.length / 2), /line 2 \(table sales_order\): not JSON/],
  ['a line that is not JSON', () => 'garbage', /line 2 \(table sales_order\): not JSON/],
  [
    'a row missing its primary key',
    (t) => {
      const row = JSON.parse(t) as Record<string, unknown>;
      delete row.sales_order_id;
      return JSON.stringify(row);
    },
    /line 2 column sales_order_id \(table sales_order\): missing/,
  ],
  [
    'a value of the wrong type',
    (t) => JSON.stringify({ ...(JSON.parse(t) as object), units_sold: 'many' }),
    /line 2 column units_sold \(table sales_order\): expected integer/,
  ],
  [
    'a timestamp that is no timestamp',
    (t) => JSON.stringify({ ...(JSON.parse(t) as object), created_at: 'yesterday' }),
    /line 2 column created_at \(table sales_order\)/,
  ],
  [
    'a line that is not UTF-8',
    // Latin-1 text in a column the catalogue does not know, which would pass through unseen.
    (t) =>
      Buffer.concat([
        Buffer.from(`${t.slice(0, -1)}, "note": "caf`),
        Buffer.from([0xe9, 0x22, 0x7d]),
      ]),
    /line 2 at byte \d+ \(table sales_order\): is not UTF-8 \(0xe9\)/,
  ],
  [
    `a line over ${MAX_LANDING_LINE_BYTES} bytes`,
    (t) =>
      JSON.stringify({ ...(JSON.parse(t) as object), note: 'x'.repeat(MAX_LANDING_LINE_BYTES) }),
    new RegExp(
      `line 2 at byte \\d+ \\(table sales_order\\): is longer than ${MAX_LANDING_LINE_BYTES} bytes`,
    ),
  ],
];

describe('bad landing input', () => {
  it.each(BAD_LINES)(
    '%s: quarantined with bucket, key, line and column; the rest goes on; a fixed replay completes it',
    async (_name, change, reason) => {
      const { manifest, salesKey, batchId } = await ingestChanges();
      const original = await corruptLine(salesKey, 2, change);
      const transform = await transformBatch(stack, manifest, silentLogger);
      const [refused] = transform.manifest!.quarantined;
      expect(transform.manifest!.quarantined).toHaveLength(1);
      expect(refused!.reason).toContain(`s3://${LANDING}/${salesKey}`);
      expect(refused!.reason).toMatch(reason);
      expect(refused!.quarantineKey).toBe(`quarantine/${salesKey}`);
      const why = JSON.parse(
        (await stack.landing.get(`quarantine/${salesKey}.reason.json`)).toString('utf8'),
      ) as { reason: string };
      expect(why.reason).toBe(refused!.reason);
      // The other tables of the batch were not held back.
      expect(transform.manifest!.tables.map((t) => t.table)).toContain('fact_payment');
      expect(transform.manifest!.tables.map((t) => t.table)).not.toContain('fact_sales_order');
      // The load refuses a batch that is not whole: nothing of it is marked loaded.
      await expect(loadBatch(stack, transform.manifestKey, silentLogger)).rejects.toThrow(
        /does not reconcile \(sales_order: landing holds \d+ rows, transform read 0\)/,
      );
      const logged = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
        batchId,
      ]);
      expect(logged.rowCount).toBe(0);
      expect(
        (await compareWithReference(stack.source, stack.warehouse)).map((d) => d.table),
      ).toContain('fact_sales_order');
      // A later cycle carries on with new batches, and leaves the refused one to the operator.
      await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
      // The operator fixes the object and replays the batch.
      await stack.landing.put(salesKey, original);
      await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    },
  );

  const HOSTILE_MANIFESTS: [string, (manifest: Record<string, unknown>) => unknown, string][] = [
    [
      'an unknown table',
      (m) => ({ ...m, tables: [{ ...landedTable(m), table: 'widgets' }] }),
      'tables[0] names unknown table "widgets"',
    ],
    [
      'a batch id that is not the one its key names',
      (m) => ({ ...m, batchId: OTHER_BATCH }),
      `batchId "${OTHER_BATCH}" is not`,
    ],
    [
      "another batch's object",
      (m) => ({ ...m, tables: [{ ...landedTable(m), keys: [landingKey('staff', OTHER_BATCH)] }] }),
      `tables[0].keys[0] "${landingKey('staff', OTHER_BATCH)}" is not an object of staff in batch`,
    ],
    ['an unknown version', (m) => ({ ...m, version: 2 }), 'version 2 is not 1'],
    [
      'a timestamp that is no timestamp',
      (m) => ({ ...m, tables: [{ ...landedTable(m), to: '2026-02-30T00:00:00.000Z' }] }),
      `tables[0].to is not a UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ' but "2026-02-30T00:00:00.000Z"`,
    ],
    [
      'more than 1 MiB',
      (m) => ({ ...m, padding: 'x'.repeat(MANIFEST_MAX_BYTES) }),
      `it holds more than ${MANIFEST_MAX_BYTES} bytes`,
    ],
  ];

  it.each(HOSTILE_MANIFESTS)(
    'a landing manifest with %s: refused, quarantined with the reason, and no later run is blocked by it',
    async (_name, change, problem) => {
      const batchId = newBatchId(new Date());
      const key = manifestKey(batchId);
      const body = JSON.stringify(change(emptyLandingManifest(batchId)));
      await stack.landing.put(key, body);
      await expect(transformBatch(stack, key, silentLogger)).rejects.toThrow(
        `Manifest s3://${LANDING}/${key} is invalid: ${problem}`,
      );
      expect(await stack.processed.exists(key)).toBe(false);
      expect((await stack.landing.get(`quarantine/${key}`)).toString('utf8')).toBe(body);
      const why = JSON.parse(
        (await stack.landing.get(`quarantine/${key}.reason.json`)).toString('utf8'),
      ) as { reason: string };
      expect(why.reason).toContain(problem);
      await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    },
  );
});

describe('bad processed input', () => {
  it("a processed manifest naming another batch's object: the load refuses and quarantines it, marks nothing loaded", async () => {
    const { manifest, batchId } = await ingestChanges();
    const transform = await transformBatch(stack, manifest, silentLogger);
    const key = transform.manifestKey;
    const written = JSON.parse((await stack.processed.get(key)).toString('utf8')) as {
      tables: { table: string; key: string }[];
    };
    const forged = written.tables[0]!;
    forged.key = processedKey(forged.table, OTHER_BATCH);
    await stack.processed.put(key, JSON.stringify(written));
    const logged = async () =>
      (await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [batchId]))
        .rowCount;
    await expect(loadBatch(stack, key, silentLogger)).rejects.toThrow(
      `Manifest s3://${PROCESSED}/${key} is invalid: tables[0].key "${forged.key}" is not`,
    );
    expect(await logged()).toBe(0);
    expect(await stack.processed.exists(`quarantine/${key}.reason.json`)).toBe(true);
    // A later cycle leaves the refused batch to the operator; replaying it from landing loads it.
    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await logged()).toBe(0);
    await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });
    expect(await logged()).toBe(1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it.each<[string, (file: Buffer) => Buffer]>([
    ['an unreadable Parquet file', () => Buffer.from('PAR1 this is not parquet at all PAR1')],
    // Header and footer intact, so the file opens and the COPY starts before the pages fail.
    ['a Parquet file whose data pages are corrupt', corruptDataPages],
  ])('%s: the load throws naming it, quarantines it, marks nothing loaded', async (_, spoil) => {
    const { manifest, batchId } = await ingestChanges();
    const transform = await transformBatch(stack, manifest, silentLogger);
    const parquet = transform.manifest!.tables.find((t) => t.table === 'fact_payment')!.key;
    await stack.processed.put(parquet, spoil(await stack.processed.get(parquet)));
    const logged = async () =>
      (await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [batchId]))
        .rowCount;
    const dims = async () =>
      (await stack.warehouse.query<{ n: number }>('SELECT count(*)::int AS n FROM dim_date'))
        .rows[0]!.n;
    const before = await dims();
    // The reader's own words, not PostgreSQL's echo of an aborted COPY.
    await expect(loadBatch(stack, transform.manifestKey, silentLogger)).rejects.toThrow(
      new RegExp(`^s3://${PROCESSED}/${parquet}: (?!COPY from stdin failed)`),
    );
    expect(await logged()).toBe(0);
    expect(await dims()).toBe(before);
    expect(await stack.processed.exists(`quarantine/${parquet}.reason.json`)).toBe(true);
    // A later cycle is not blocked by the poisoned batch and does not mark it loaded.
    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await logged()).toBe(0);
    // Replaying from landing rewrites the file; the batch then loads.
    await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });
    expect(await logged()).toBe(1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  /**
   * A processed manifest whose count for fact_payment is not what its Parquet file holds, by the
   * staging path (a few rows into a table that has rows) or the bulk path (as many rows as
   * BULK_MIN_ROWS into an empty table: fact_payment is set aside in a table of its own meanwhile).
   */
  it.each<[string, (rows: number) => number, boolean]>([
    ['the staging path', (rows) => rows + 1, false],
    ['the bulk path into an empty table', () => BULK_MIN_ROWS, true],
  ])(
    'a Parquet file that holds fewer rows than its processed manifest says, by %s: the load refuses, naming the file and both counts, marks nothing loaded',
    async (_path, claimed, emptied) => {
      const { manifest, batchId } = await ingestChanges();
      const transform = await transformBatch(stack, manifest, silentLogger);
      const key = transform.manifestKey;
      const written = JSON.parse((await stack.processed.get(key)).toString('utf8')) as {
        tables: { table: string; key: string; rows: number }[];
      };
      const payments = written.tables.find((t) => t.table === 'fact_payment')!;
      const held = payments.rows;
      payments.rows = claimed(held);
      await stack.processed.put(key, JSON.stringify(written));
      if (emptied) {
        await stack.warehouse.query(
          'CREATE TABLE kept_fact_payment AS SELECT * FROM fact_payment; DELETE FROM fact_payment',
        );
      }
      try {
        await expect(loadBatch(stack, key, silentLogger)).rejects.toThrow(
          `s3://${PROCESSED}/${payments.key} holds ${held} rows but the processed manifest says ${payments.rows}: re-run the transform for this batch`,
        );
        const logged = await stack.warehouse.query(
          'SELECT 1 FROM etl.load_log WHERE batch_id = $1',
          [batchId],
        );
        expect(logged.rowCount).toBe(0);
      } finally {
        if (emptied) {
          await stack.warehouse.query(
            'INSERT INTO fact_payment OVERRIDING SYSTEM VALUE SELECT * FROM kept_fact_payment; DROP TABLE kept_fact_payment',
          );
        }
      }
      await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    },
  );

  it('a processed manifest written before it carried the landing counts: loaded unreconciled, with a warning', async () => {
    const { manifest, batchId } = await ingestChanges();
    const transform = await transformBatch(stack, manifest, silentLogger);
    const key = transform.manifestKey;
    const written = JSON.parse((await stack.processed.get(key)).toString('utf8')) as {
      landed?: { tables: { table: string; rows: number }[] };
    };
    expect(written.landed?.tables.map((t) => t.table)).toContain('sales_order');
    delete written.landed;
    await stack.processed.put(key, JSON.stringify(written));
    const logger = recordingLogger();
    const load = await loadBatch(stack, key, logger);
    expect(load.skipped).toBe(false);
    expect(logger.lines).toContainEqual(
      expect.stringMatching(
        /^warn The processed manifest carries no landing counts .*loads without reconciliation/,
      ),
    );
    const logged = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
      batchId,
    ]);
    expect(logged.rowCount).toBe(1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

/** The file with the bytes between its magic number and its footer overwritten. */
function corruptDataPages(file: Buffer): Buffer {
  const footer = 8 + file.readUInt32LE(file.length - 8);
  const spoilt = Buffer.from(file);
  spoilt.fill(0xff, 4, Math.min(400, file.length - footer));
  return spoilt;
}

/**
 * Rows of the tables dim_staff and dim_counterparty join. Each case's value passes the line
 * check (it has its column's JSON type) and is refused only by the dimension that reads it.
 */
const BAD_JOINED_ROWS: [SourceTableName, Record<string, unknown>, RegExp][] = [
  [
    'department',
    { last_updated: 'yesterday' },
    /line 1 column last_updated \(table department\): department row \d+: column last_updated must be a UTC timestamp/,
  ],
  [
    'staff',
    { department_id: 999_999 },
    /line 1 column department_id \(table staff\): staff row \d+: column department_id refers to unknown department 999999/,
  ],
  [
    'counterparty',
    { legal_address_id: 999_999 },
    /line 1 column legal_address_id \(table counterparty\): counterparty row \d+: column legal_address_id refers to unknown address 999999/,
  ],
  [
    'address',
    { last_updated: '2024-02-30T00:00:00.000Z' },
    /line 1 column last_updated \(table address\): address row \d+: column last_updated must be a UTC timestamp/,
  ],
];

describe('bad rows of the tables the staff and counterparty dimensions join', () => {
  it.each(BAD_JOINED_ROWS)(
    'a bad %s row: quarantined naming table, key and row; kept out of the snapshot; the rest goes on; a fixed replay completes it',
    async (table, change, reason) => {
      // One row of the table changes in this batch, whatever the demo changes touch.
      await stack.source.query(
        `UPDATE ${table} SET last_updated = now() WHERE ${table}_id = (SELECT min(${table}_id) FROM ${table})`,
      );
      const { manifest, batchId, keyOf } = await ingestChanges();
      const key = keyOf(table);
      const original = await corruptLine(key, 1, (t) =>
        JSON.stringify({ ...(JSON.parse(t) as object), ...change }),
      );
      const transform = await transformBatch(stack, manifest, silentLogger);
      expect(transform.manifest!.quarantined).toHaveLength(1);
      const [refused] = transform.manifest!.quarantined;
      expect(refused!.reason).toContain(`s3://${LANDING}/${key}`);
      expect(refused!.reason).toMatch(reason);
      expect(refused!.quarantineKey).toBe(`quarantine/${key}`);
      expect(transform.manifest!.tables.map((t) => t.table)).toContain('fact_sales_order');
      // The refused row did not join the snapshot, where it would break every later batch.
      const snapshot = await readJsonLines(stack.processed, `state/${table}.jsonl`);
      expect(
        snapshot.filter((row) => Object.entries(change).every(([c, v]) => row[c] === v)),
      ).toEqual([]);
      await expect(loadBatch(stack, transform.manifestKey, silentLogger)).rejects.toThrow(
        new RegExp(`does not reconcile \\(${table}: landing holds \\d+ rows, transform read 0\\)`),
      );
      await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
      await stack.landing.put(key, original);
      await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    },
  );

  it('staff of a department new in the same batch join it, whatever order the manifest lists them in', async () => {
    await stack.source.query(
      `WITH d AS (INSERT INTO department (department_name, location) VALUES ('Returns', 'Leeds')
                  RETURNING department_id)
       INSERT INTO staff (first_name, last_name, department_id, email_address)
       SELECT 'Ada', 'Quire', department_id, 'ada.quire@terrifictotes.com' FROM d`,
    );
    const { manifest } = await ingestChanges();
    const landed = JSON.parse((await stack.landing.get(manifest)).toString('utf8')) as {
      tables: unknown[];
    };
    landed.tables.reverse();
    await stack.landing.put(manifest, JSON.stringify(landed));
    const transform = await transformBatch(stack, manifest, silentLogger);
    expect(transform.manifest!.quarantined).toEqual([]);
    await loadBatch(stack, transform.manifestKey, silentLogger);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

describe('schema drift in totesys', () => {
  it('a new column is kept in landing and ignored downstream with a warning', async () => {
    await stack.source.query(`ALTER TABLE design ADD COLUMN colour text DEFAULT 'teal'`);
    try {
      await stack.source.query(
        `UPDATE design SET design_name = design_name || ' II', last_updated = now()
         WHERE design_id = (SELECT min(design_id) FROM design)`,
      );
      const logger = recordingLogger();
      const cycle = await runCycle(stack, { logger, overlapSeconds: 300 });
      const key = cycle.ingest.manifest.tables.find((t) => t.table === 'design')!.keys[0]!;
      expect((await stack.landing.get(key)).toString('utf8')).toContain('"colour": "teal"');
      expect(logger.lines.filter((l) => l.startsWith('warn') && l.includes('colour'))).toHaveLength(
        2, // ingest and transform each say so
      );
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    } finally {
      await stack.source.query('ALTER TABLE design DROP COLUMN colour');
    }
  });
});
