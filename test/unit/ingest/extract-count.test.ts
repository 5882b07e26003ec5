import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import { extractTable } from '../../../lambdas/ingest/extract';
import { PostgresSource } from '../../../lambdas/ingest/postgres-source';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';

const WINDOW = { from: '2026-11-23T04:00:00.000000Z', to: '2026-11-23T04:30:00.000000Z' };
const KEY = 'staff/20261123T043451123Z-3f9a1c.jsonl';

/** The live types of staff's columns (int4, text, timestamp), as pg_attribute answers them. */
const STAFF_TYPES = SOURCE_TABLES.staff.columns.map((c) => ({
  name: c.name,
  type: { integer: 23, text: 25, timestamp: 1114 }[c.type as string],
  enum: false,
}));

/**
 * The source on a pool of one connection whose snapshot counts `counted` rows of the window while its COPY streams
 * `copied` lines: what a count and a COPY that disagree on the window would give.
 */
function source(counted: number, copied: number) {
  const statements: string[] = [];
  const client = {
    release: () => undefined,
    query(statement: unknown) {
      if (typeof statement !== 'string') {
        const lines = Array.from(
          { length: copied },
          (_, i) => `${i + 1}\tAda\tLovelace\t2\ta@b.c\t2026-11-23 04:00:01\t2026-11-23 04:29:00\n`,
        );
        return Readable.from(lines.map((line) => Buffer.from(line)));
      }
      statements.push(statement.split(' ')[0]!);
      const rows = statement.startsWith('SELECT count(*)')
        ? [{ rows: counted, newest: '2026-11-23T04:29:00.000000Z' }]
        : statement.includes('pg_attribute')
          ? STAFF_TYPES
          : [];
      return Promise.resolve({ rows });
    },
  };
  const pool = { connect: () => Promise.resolve(client) } as unknown as Pool;
  return Object.assign(new PostgresSource(pool), { statements });
}

describe('the extract checks the lines it wrote against the rows its snapshot holds', () => {
  it('lands the window when the COPY wrote one line per counted row', async () => {
    const client = source(3, 3);
    const landing = memoryObjectStore('landing');
    const result = await extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false);
    expect(result.rows).toBe(3);
    const lines = landing.objects.get(KEY)?.toString().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines?.[0] ?? '')).toEqual({
      staff_id: 1,
      first_name: 'Ada',
      last_name: 'Lovelace',
      department_id: 2,
      email_address: 'a@b.c',
      created_at: '2026-11-23T04:00:01.000000Z',
      last_updated: '2026-11-23T04:29:00.000000Z',
    });
    expect(client.statements).toEqual(['BEGIN', 'SELECT', 'SELECT', 'COMMIT']);
  });

  it.each([
    ['fewer lines', 3, 2],
    ['more lines', 3, 4],
  ])(
    'refuses a window whose COPY wrote %s than the count, naming the table, object and both figures, and commits nothing',
    async (_name, counted, copied) => {
      const client = source(counted, copied);
      const landing = memoryObjectStore('landing');
      await expect(
        extractTable(client, landing, SOURCE_TABLES.staff, WINDOW, KEY, false),
      ).rejects.toThrow(
        `Extract of staff wrote ${copied} lines to s3://landing/${KEY} but the snapshot holds ${counted} rows`,
      );
      expect(client.statements).toEqual(['BEGIN', 'SELECT', 'SELECT', 'ROLLBACK']);
    },
  );
});
