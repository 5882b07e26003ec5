import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import { extractTable } from '../../../lambdas/ingest/extract';
import { PostgresSource } from '../../../lambdas/ingest/postgres-source';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import { TransientError } from '../../../lambdas/shared/core/pipeline-error';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const WINDOW = { from: '2026-11-23T04:00:00.000000Z', to: '2026-11-23T04:30:00.000000Z' };
const KEY = 'staff/20261123T043451123Z-3f9a1c.jsonl';

/** The live types of staff's columns (int4, text, timestamp), as pg_attribute answers them. */
const STAFF_TYPES = SOURCE_TABLES.staff.columns.map((c) => ({
  name: c.name,
  type: { integer: 23, text: 25, timestamp: 1114 }[c.type as string],
  enum: false,
}));

/** Staff row i (from 1) as COPY prints it: keys 1, 2, …; stamps a second apart, to the µs. */
const copyLine = (i: number) =>
  `${i}\tAda\tLovelace\t2\ta@b.c\t2026-11-23 04:00:01\t2026-11-23 04:29:0${i}.12345\n`;

/**
 * The source on a pool of one connection whose COPY streams `copied` lines of staff while its command tag says
 * `tagged` rows ("COPY n"): what a COPY whose rows were lost or split on the way would give. The
 * count of the rows after a capped batch answers `rest`, the planner's estimate of them `planned`
 * (none when undefined).
 */
function source(tagged: number, copied: number, rest = 0, tableRows?: number, planned?: number) {
  const statements: string[] = [];
  const copies: string[] = [];
  const client = {
    release: () => undefined,
    query(statement: unknown) {
      if (typeof statement !== 'string') {
        const text = (statement as { text: string }).text;
        statements.push(text.split(' ')[0]!);
        copies.push(text);
        const lines = Array.from({ length: copied }, (_, i) => Buffer.from(copyLine(i + 1)));
        // pg sets the tag from the reply that follows the rows, before any later answer.
        const stream = Object.assign(Readable.from(lines), { rowCount: 0, text });
        stream.on('end', () => (stream.rowCount = tagged));
        return stream;
      }
      statements.push(statement.split(' ')[0]!);
      const rows = statement.includes('pg_attribute')
        ? STAFF_TYPES.map((type) => ({ ...type, tableRows }))
        : statement.includes('count(*)')
          ? [{ rows: rest }]
          : statement.startsWith('EXPLAIN') && planned !== undefined
            ? [{ 'QUERY PLAN': [{ Plan: { 'Node Type': 'Seq Scan', 'Plan Rows': planned } }] }]
            : [];
      return Promise.resolve({ rows });
    },
  };
  const pool = { connect: () => Promise.resolve(client) } as unknown as Pool;
  return Object.assign(new PostgresSource(pool), { statements, copies });
}

describe('the extract reads the window once and checks the lines it wrote against the COPY', () => {
  it('lands the window from one COPY, its row count the COPY’s own', async () => {
    const client = source(3, 3);
    const landing = memoryObjectStore('landing');
    const result = await extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false);
    expect(result.rows).toBe(3);
    expect(result.newest).toBe('2026-11-23T04:29:03.123450Z');
    expect(result.window.upTo).toBeUndefined();
    const lines = landing.objects.get(KEY)?.toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines?.[0] ?? '')).toEqual({
      staff_id: 1,
      first_name: 'Ada',
      last_name: 'Lovelace',
      department_id: 2,
      email_address: 'a@b.c',
      created_at: '2026-11-23T04:00:01.000000Z',
      last_updated: '2026-11-23T04:29:01.123450Z',
    });
    // The catalogue's types, then the rows: no count of the window.
    expect(client.statements).toEqual(['BEGIN', 'SELECT', 'COPY', 'COMMIT']);
  });

  it('lands the cap of a window that holds more, ends the batch at the last row landed, and counts the rest only then', async () => {
    const client = source(3, 3, 40);
    const landing = memoryObjectStore('landing');
    const result = await extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false, {
      maxRows: 2,
    });
    expect(result.rows).toBe(2);
    expect(landing.objects.get(KEY)?.toString().trim().split('\n')).toHaveLength(2);
    expect(result.window.upTo).toEqual({ lastUpdated: '2026-11-23T04:29:02.123450Z', key: 2 });
    expect(result.newest).toBe('2026-11-23T04:29:02.123450Z');
    expect(result.remaining).toBe(40);
    expect(result.remainingEstimated).toBe(false);
    expect(client.statements).toEqual(['BEGIN', 'SELECT', 'COPY', 'EXPLAIN', 'SELECT', 'COMMIT']);
  });

  it.each([
    ['counts the rest when the planner puts it within two batches', 4, false, 7],
    ['takes the planner’s estimate of a rest more than two batches long', 5, true, 5],
  ])('%s', async (_, planned, estimated, remaining) => {
    const client = source(3, 3, 7, undefined, planned);
    const result = await extractTable(
      client,
      memoryObjectStore('landing'),
      SOURCE_TABLES.staff,
      WINDOW,
      KEY,
      false,
      { maxRows: 2 },
    );
    expect(result.remaining).toBe(remaining);
    expect(result.remainingEstimated).toBe(estimated);
    expect(client.statements).toEqual([
      'BEGIN',
      'SELECT',
      'COPY',
      'EXPLAIN',
      ...(estimated ? [] : ['SELECT']),
      'COMMIT',
    ]);
  });

  it('reads a table its statistics put well under the cap without a sort, and again in order when it is over the cap after all', async () => {
    const small = source(3, 3, 0, 10);
    const fits = await extractTable(
      small,
      memoryObjectStore('landing'),
      SOURCE_TABLES.staff,
      WINDOW,
      KEY,
      false,
      { maxRows: 50 },
    );
    expect(fits.rows).toBe(3);
    expect(small.copies).toHaveLength(1);
    expect(small.copies[0]).not.toContain('ORDER BY');
    expect(small.copies[0]).toContain('LIMIT 51)');

    const stale = source(3, 3, 7, 0);
    const landing = memoryObjectStore('landing');
    const capped = await extractTable(stale, landing, SOURCE_TABLES.staff, WINDOW, KEY, false, {
      maxRows: 2,
    });
    expect(stale.statements).toEqual([
      'BEGIN',
      'SELECT',
      'COPY',
      'COPY',
      'EXPLAIN',
      'SELECT',
      'COMMIT',
    ]);
    expect(stale.copies[0]).not.toContain('ORDER BY');
    expect(stale.copies[1]).toContain('ORDER BY t.last_updated, t."staff_id" LIMIT 3)');
    expect(capped.rows).toBe(2);
    expect(capped.remaining).toBe(7);
    expect(landing.objects.get(KEY)?.toString().trim().split('\n')).toHaveLength(2);
  });

  it('lands a window of exactly the cap whole, without counting', async () => {
    const client = source(2, 2);
    const landing = memoryObjectStore('landing');
    const result = await extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false, {
      maxRows: 2,
    });
    expect(result.rows).toBe(2);
    expect(result.window.upTo).toBeUndefined();
    expect(result.remaining).toBe(0);
    expect(client.statements).toEqual(['BEGIN', 'SELECT', 'COPY', 'COMMIT']);
  });

  it.each([
    ['fewer lines', 3, 2, undefined, ''],
    ['more lines', 3, 4, undefined, ''],
    ['fewer lines than the cap lets be written', 4, 2, 3, ', of which the cap lets 3 be written'],
  ])(
    'refuses a window whose COPY wrote %s than its tag, naming the table, object and both figures',
    async (_name, tagged, copied, maxRows, capped) => {
      const client = source(tagged, copied);
      const landing = memoryObjectStore('landing');
      const extract = extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false, {
        maxRows,
      });
      await expect(extract).rejects.toThrow(TransientError);
      await expect(extract).rejects.toThrow(
        `Extract of staff wrote ${Math.min(copied, maxRows ?? copied)} lines to s3://landing/${KEY} but its COPY sent ${tagged} rows${capped}: the batch is not landed, and the next run reads the window again`,
      );
    },
  );

  it('names the object it meant to write when the COPY sent rows but none was written', async () => {
    const client = source(2, 0);
    const landing = memoryObjectStore('landing');
    await expect(
      extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false),
    ).rejects.toThrow(`wrote 0 lines to s3://landing/${KEY} but its COPY sent 2 rows`);
    expect(landing.objects.size).toBe(0);
  });
});
