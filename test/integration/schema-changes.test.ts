import type { SchemaContract } from '../../contract/settings';
import { metricsOf } from '../../lambdas/ingest/metrics';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../lambdas/shared/core/catalogue';
import { silentLogger, type StageLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle, type CycleResult } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { runDeliverance } from '../support/deliverance-command';
import {
  cliEnvironment,
  readJsonLines,
  startTestStack,
  type TestStack,
} from './support/test-stack';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
}, 900_000);
afterAll(() => stack?.stop());

/** A logger that keeps what it is told. */
function recordingLogger(): StageLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(attributes ?? {})}`);
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

function cycle(schemaContract?: SchemaContract, logger: StageLogger = silentLogger) {
  return runCycle(stack, { logger, overlapSeconds: 300, schemaContract });
}

/** One row of each table changed in the source, so every table has something to land. */
async function touchEveryTable(): Promise<void> {
  for (const table of SOURCE_TABLE_NAMES) {
    await stack.source.query(
      `UPDATE ${table} SET last_updated = now() WHERE ${table}_id = (SELECT min(${table}_id) FROM ${table})`,
    );
  }
}

const watermarksOf = (tables: readonly SourceTableName[]) =>
  Promise.all(tables.map((t) => stack.watermarks.read(t)));

const landedTables = (result: CycleResult) => result.ingest.manifest.tables.map((t) => t.table);

async function recorded(table: string) {
  const result = await stack.warehouse.query<Record<string, string | null>>(
    `SELECT column_name, change, before_type, after_type,
            to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS first_seen
     FROM etl.schema_changes WHERE source_table = $1 ORDER BY column_name, change`,
    [table],
  );
  return result.rows;
}

/** `deliverance <args>` on the test stack: its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  const { code, stdout, stderr } = await runDeliverance(args, cliEnvironment(stack));
  return { code, stdout: code === 0 ? stdout : stdout + stderr };
}

describe('a source schema change, per table', () => {
  it('a new column under evolve is kept in landing, reported, and recorded once across two runs', async () => {
    await stack.source.query(`ALTER TABLE design ADD COLUMN colour varchar(12) DEFAULT 'teal'`);
    await touchEveryTable();
    const first = await cycle();
    expect(first.ingest.schema.stopped).toEqual([]);
    expect(landedTables(first)).toEqual(SOURCE_TABLE_NAMES);
    const key = first.ingest.manifest.tables.find((t) => t.table === 'design')!.keys[0]!;
    expect((await readJsonLines(stack.landing, key))[0]).toMatchObject({ colour: 'teal' });
    expect(first.ingest.manifest.schemaChanges).toEqual([
      expect.objectContaining({
        table: 'design',
        column: 'colour',
        change: 'added',
        before: null,
        after: 'character varying(12)',
      }),
    ]);
    const once = await recorded('design');
    expect(once).toEqual([
      expect.objectContaining({ column_name: 'colour', change: 'added', before_type: null }),
    ]);

    await touchEveryTable();
    const second = await cycle();
    expect(second.ingest.manifest.schemaChanges?.[0]?.firstSeen).toBe(
      first.ingest.manifest.schemaChanges?.[0]?.firstSeen,
    );
    expect(await recorded('design')).toEqual(once);
    expect(await stack.watermarks.schemaChanges()).toEqual([
      expect.objectContaining({ table: 'design', column: 'colour', stops: false }),
    ]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

    // The source and the catalogue agree again: nothing is pending; the record stays.
    await stack.source.query('ALTER TABLE design DROP COLUMN colour');
    const agreed = await cycle();
    expect(agreed.ingest.manifest.schemaChanges).toBeUndefined();
    expect(await stack.watermarks.schemaChanges()).toEqual([]);
    expect(await recorded('design')).toEqual(once);
  });

  it('a new column under freeze stops that table only; the others load', async () => {
    const freeze: SchemaContract = { default: 'evolve', tables: { payment: 'freeze' } };
    // Rows changed first: the reference's history triggers copy whole rows of the fact tables.
    await touchEveryTable();
    await stack.source.query(`ALTER TABLE payment ADD COLUMN note text`);
    try {
      const before = await watermarksOf(['payment']);
      const logger = recordingLogger();
      const stopped = await cycle(freeze, logger);
      expect(stopped.ingest.schema.stopped).toEqual(['payment']);
      expect(landedTables(stopped)).toEqual(SOURCE_TABLE_NAMES.filter((t) => t !== 'payment'));
      expect(await watermarksOf(['payment'])).toEqual(before);
      expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([
        expect.stringContaining(
          "Source database totesys: payment.note was added (text) and payment's schema contract is freeze. payment is stopped",
        ),
      ]);
      expect(await recorded('payment')).toEqual([
        expect.objectContaining({ column_name: 'note', change: 'added', after_type: 'text' }),
      ]);
      // Under evolve the same column is kept.
      const evolved = await cycle();
      expect(evolved.ingest.schema.stopped).toEqual([]);
      expect(landedTables(evolved)).toContain('payment');
    } finally {
      await stack.source.query('ALTER TABLE payment DROP COLUMN note');
    }
    await cycle(freeze);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('a dropped column stops that table only, named with what to do; status, doctor and run say so; restored, the table catches up', async () => {
    await touchEveryTable();
    await stack.source.query('ALTER TABLE payment RENAME COLUMN company_ac_number TO ac_gone');
    try {
      const before = await watermarksOf(['payment']);
      const logger = recordingLogger();
      const stopped = await cycle(undefined, logger);
      expect(stopped.ingest.schema).toMatchObject({ stopped: ['payment'], held: [] });
      expect(landedTables(stopped)).toEqual(SOURCE_TABLE_NAMES.filter((t) => t !== 'payment'));
      expect(stopped.load.tables.length).toBeGreaterThan(0);
      expect(await watermarksOf(['payment'])).toEqual(before);
      expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([
        expect.stringContaining(
          'Source database totesys: payment.company_ac_number was dropped (was integer). payment is stopped (its watermark does not move, none of its rows land): restore the column as integer, or change the catalogue and the warehouse to match (docs/extending.md)',
        ),
      ]);
      expect(await recorded('payment')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            column_name: 'company_ac_number',
            change: 'dropped',
            before_type: 'integer',
            after_type: null,
          }),
          expect.objectContaining({ column_name: 'ac_gone', change: 'added' }),
        ]),
      );

      const status = await cli('status', '--json');
      expect(status.code).toBe(3);
      const json = JSON.parse(status.stdout) as {
        tables: Record<string, { schema: string | null }>;
        schemaChanges: { table: string; column: string; change: string; stops: boolean }[];
      };
      expect(json.tables.payment?.schema).toBe('stopped');
      expect(json.tables.sales_order?.schema).toBeNull();
      expect(json.schemaChanges).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ column: 'company_ac_number', change: 'dropped', stops: true }),
        ]),
      );
      const text = await cli('status');
      expect(text.stdout).toContain('payment.company_ac_number dropped (was integer)');
      const doctor = await cli('doctor');
      expect(doctor.stdout).toMatch(
        /^✗ schema changes +payment\.company_ac_number dropped \(was integer\).*→ fix: restore the column/m,
      );
      const run = await cli('run');
      expect(run.code).toBe(3);
    } finally {
      await stack.source.query('ALTER TABLE payment RENAME COLUMN ac_gone TO company_ac_number');
    }
    const resumed = await cycle();
    expect(resumed.ingest.schema.stopped).toEqual([]);
    expect(resumed.ingest.manifest.tables.find((t) => t.table === 'payment')?.rows).toBeGreaterThan(
      0,
    );
    expect(await stack.watermarks.schemaChanges()).toEqual([]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    expect((await cli('doctor')).stdout).toMatch(/^✓ schema changes +the source columns agree/m);
  });

  it('a retyped column stops its table and the tables after it in foreign-key order; restored, they catch up', async () => {
    await touchEveryTable();
    await stack.source.query(
      `ALTER TABLE staff ALTER COLUMN email_address TYPE bytea USING convert_to(email_address, 'UTF8')`,
    );
    const after = ['sales_order', 'purchase_order', 'transaction', 'payment'] as const;
    try {
      const before = await watermarksOf(['staff', ...after]);
      const logger = recordingLogger();
      const stopped = await cycle(undefined, logger);
      expect(stopped.ingest.schema).toMatchObject({ stopped: ['staff'], held: after });
      expect(landedTables(stopped)).toEqual(
        SOURCE_TABLE_NAMES.filter(
          (t) => t !== 'staff' && !(after as readonly string[]).includes(t),
        ),
      );
      expect(await watermarksOf(['staff', ...after])).toEqual(before);
      expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([
        expect.stringContaining(
          'Source database totesys: staff.email_address was retyped text → bytea. staff is stopped (its watermark does not move, none of its rows land) and the tables after it (sales_order, purchase_order, transaction, payment) wait',
        ),
      ]);
      expect(await recorded('staff')).toEqual([
        expect.objectContaining({
          column_name: 'email_address',
          change: 'retyped',
          before_type: 'text',
          after_type: 'bytea',
        }),
      ]);
    } finally {
      await stack.source.query(
        `ALTER TABLE staff ALTER COLUMN email_address TYPE text USING convert_from(email_address, 'UTF8')`,
      );
    }
    const resumed = await cycle();
    expect(landedTables(resumed)).toEqual(SOURCE_TABLE_NAMES);
    expect(await stack.watermarks.schemaChanges()).toEqual([]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

describe("a source column resized within its type's family", () => {
  it('a column resized within what the warehouse holds is kept, recorded once per size, and shown by status', async () => {
    await touchEveryTable();
    await stack.source.query('ALTER TABLE design ALTER COLUMN file_name TYPE varchar(200)');
    try {
      const logger = recordingLogger();
      const first = await cycle(undefined, logger);
      expect(first.ingest.schema.stopped).toEqual([]);
      expect(landedTables(first)).toEqual(SOURCE_TABLE_NAMES);
      expect(first.ingest.manifest.schemaChanges).toEqual([
        expect.objectContaining({
          table: 'design',
          column: 'file_name',
          change: 'resized',
          before: 'text',
          after: 'character varying(200)',
        }),
      ]);
      expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([]);
      expect(logger.lines).toContainEqual(
        expect.stringMatching(/^warn Source column was resized within what the warehouse holds/),
      );
      // design's earlier test recorded its colour column.
      const fileName = async () =>
        (await recorded('design')).filter((r) => r.column_name === 'file_name');
      const once = await fileName();
      expect(once).toEqual([
        expect.objectContaining({
          column_name: 'file_name',
          change: 'resized',
          before_type: 'text',
          after_type: 'character varying(200)',
        }),
      ]);

      // Widened again: a second change, recorded once beside the first.
      await stack.source.query('ALTER TABLE design ALTER COLUMN file_name TYPE varchar(400)');
      await stack.source.query(
        `UPDATE design SET file_name = file_name || '-wider', last_updated = now()
         WHERE design_id = (SELECT min(design_id) FROM design)`,
      );
      for (let run = 0; run < 2; run++) {
        const widened = await cycle();
        expect(widened.ingest.schema.stopped).toEqual([]);
      }
      expect(await fileName()).toEqual([
        once[0],
        expect.objectContaining({
          change: 'resized',
          before_type: 'text',
          after_type: 'character varying(400)',
        }),
      ]);
      expect(await stack.watermarks.schemaChanges()).toEqual([
        expect.objectContaining({
          column: 'file_name',
          after: 'character varying(400)',
          stops: false,
        }),
      ]);
      // Status wraps its lines to the terminal's width.
      const status = (await cli('status')).stdout.replace(/\s+/g, ' ');
      expect(status).toMatch(
        /design\.file_name resized text → character varying\(400\), since \S+: kept, its values reach the warehouse as they are/,
      );
      expect((await cli('doctor')).stdout).toMatch(
        /^✓ schema changes +design\.file_name resized text → character varying\(400\)/m,
      );
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);

      // Under freeze, the same resize stops the table.
      const frozen = await cycle({ default: 'evolve', tables: { design: 'freeze' } });
      expect(frozen.ingest.schema.stopped).toEqual(['design']);
    } finally {
      await stack.source.query('ALTER TABLE design ALTER COLUMN file_name TYPE text');
    }
    const agreed = await cycle();
    expect(agreed.ingest.schema.stopped).toEqual([]);
    expect(await stack.watermarks.schemaChanges()).toEqual([]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it("a numeric whose scale grows past the warehouse's stops its table like a retype, named with the warehouse column; the others load", async () => {
    await touchEveryTable();
    await stack.source.query('ALTER TABLE sales_order ALTER COLUMN unit_price TYPE numeric(12,4)');
    const after = SOURCE_TABLE_NAMES.slice(SOURCE_TABLE_NAMES.indexOf('sales_order') + 1);
    try {
      const before = await watermarksOf(['sales_order', ...after]);
      const logger = recordingLogger();
      const stopped = await cycle(undefined, logger);
      expect(stopped.ingest.schema).toMatchObject({ stopped: ['sales_order'], held: after });
      expect(landedTables(stopped)).toEqual(
        SOURCE_TABLE_NAMES.filter((t) => t !== 'sales_order' && !after.includes(t)),
      );
      expect(stopped.load.tables.length).toBeGreaterThan(0);
      expect(await watermarksOf(['sales_order', ...after])).toEqual(before);
      expect(metricsOf({ kind: 'ran', run: stopped.ingest })).toContainEqual({
        name: 'SchemaChangeStoppedTables',
        value: 1,
      });
      expect(logger.lines.filter((l) => l.startsWith('error'))).toEqual([
        expect.stringContaining(
          'Source database totesys: sales_order.unit_price was resized numeric(10,2) → numeric(12,4) and the warehouse keeps it as fact_sales_order.unit_price numeric(10,2), which holds no more than 2 decimal places. sales_order is stopped (its watermark does not move, none of its rows land)',
        ),
      ]);
      expect(await recorded('sales_order')).toEqual([
        expect.objectContaining({
          column_name: 'unit_price',
          change: 'resized',
          before_type: 'numeric(10,2)',
          after_type: 'numeric(12,4)',
        }),
      ]);
      const doctor = await cli('doctor');
      expect(doctor.stdout).toMatch(
        /^✗ schema changes +sales_order\.unit_price resized numeric\(10,2\) → numeric\(12,4\)/m,
      );
    } finally {
      await stack.source.query(
        'ALTER TABLE sales_order ALTER COLUMN unit_price TYPE numeric(10,2)',
      );
    }
    const resumed = await cycle();
    expect(landedTables(resumed)).toEqual(SOURCE_TABLE_NAMES);
    expect(await stack.watermarks.schemaChanges()).toEqual([]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
