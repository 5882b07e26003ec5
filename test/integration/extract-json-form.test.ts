import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { extractTable } from '../../lambdas/ingest/extract';
import { sqlJsonCopy } from '../../lambdas/ingest/extract-query';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { createPool } from '../../lambdas/shared/adapters/database-pool';
import type {
  SourceColumn,
  SourceTable,
  SourceTableName,
} from '../../lambdas/shared/core/catalogue';
import { memoryObjectStore } from '../support/fakes/memory-object-store';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * The landing format is the contract: the JSON lines built in the function from a plain COPY
 * must be, byte for byte, what PostgreSQL's row_to_json over the old select list wrote. One
 * table holds a column of each catalogue type in each live type it may have, and rows of the
 * values that are hard to print: NULLs, every control character, quotes, backslashes, non-BMP
 * text, numerics of a thousand digits, NaN and infinities, timestamps before year 1 and after
 * 9999, and timestamptz in zones whose offsets have minutes and seconds.
 */
// The extract reads a column by its catalogue type alone: sourceType is the schema check's.
const col = (name: string, type: SourceColumn['type'], nullable = true): SourceColumn => ({
  name,
  type,
  nullable,
  sourceType: type,
});

const TABLE: SourceTable = {
  name: 'adversary' as SourceTableName,
  primaryKey: 'adversary_id',
  columns: [
    col('adversary_id', 'integer', false),
    col('big', 'integer'),
    col('small', 'integer'),
    col('amount', 'numeric'),
    col('money', 'numeric'),
    col('whole', 'numeric'),
    col('ratio', 'numeric'),
    col('label', 'text'),
    col('code', 'text'),
    col('kind', 'text'),
    col('padded', 'text'),
    col('day', 'text'),
    col('flag', 'boolean'),
    col('stamped', 'timestamp'),
    col('created_at', 'timestamp'),
    col('last_updated', 'timestamp', false),
  ],
  references: {},
};

const WINDOW = { from: undefined, to: '2030-01-01T00:00:00.000000Z' };

const CONTROLS = `(SELECT string_agg(chr(i), '') FROM generate_series(1, 31) i) || chr(127)`;

let stack: TestStack;
/** One connection, whose session the tests set (TimeZone, DateStyle): the extract reads on it. */
let session: Pool;
let source: PostgresSource;

beforeAll(async () => {
  stack = await startTestStack();
  await stack.source.query(`
    CREATE TYPE mood AS ENUM ('calm', 'wry "quoted"', 'back\\slash', 'Été 😀');
    CREATE TABLE adversary (
      adversary_id int PRIMARY KEY, big bigint, small smallint, amount numeric,
      money numeric(10, 2), whole bigint, ratio float8, label text, code varchar(40), kind mood,
      padded char(6), day date, flag boolean, stamped timestamptz, created_at timestamp,
      last_updated timestamp(3) NOT NULL
    );
    INSERT INTO adversary (adversary_id, last_updated) VALUES (1, '2024-01-01 00:00:00');
    INSERT INTO adversary VALUES
      (2, 9223372036854775807, -32768, (repeat('9', 1000) || '.' || repeat('1', 100))::numeric, 12345678.90,
       -9223372036854775808, 0.1, ${CONTROLS}, 'tab' || chr(9) || 'nl' || chr(10) || 'cr' || chr(13),
       'calm', 'ab', '2024-02-29', true, '0044-03-15 12:00:00.5 BC', '0044-03-15 12:00:00.5 BC',
       '2024-01-01 00:00:00.001'),
      (3, 0, 0, 'NaN', -0.05, 0, 'NaN', '"quoted" \\ back\\slash \\N \\\\N', E'\\\\N', 'wry "quoted"',
       ' x    ', '0044-03-15 BC', false, 'infinity', '-infinity', '2024-01-01 00:00:00.002'),
      (4, -1, 1, 'Infinity', 0, 1, '-Infinity', 'Île — 東京 😀 ' || chr(1114111) || chr(8232) || chr(65279),
       '', 'back\\slash', '', '5874897-12-31', NULL, '294276-12-31 23:59:59.999999+00',
       '12345-06-07 08:09:10.000001', '2024-01-01 00:00:00.003'),
      (5, NULL, NULL, '-Infinity', NULL, NULL, 1e300, '\\N', '\\', 'Été 😀', NULL, NULL, NULL,
       '1850-01-01 00:00:00+00', '0001-12-31 23:59:59.999999 BC', '2024-01-01 00:00:00.004'),
      (6, 42, 7, '-0.000001', 0.5, 7, -0, '', ' ', NULL, 'abcdef', 'infinity', true,
       '0001-01-01 00:00:00+00', '0001-01-01 00:00:00', '2024-01-01 00:00:00.005');
    INSERT INTO adversary (adversary_id, label, created_at, last_updated)
      SELECT i, repeat('row ' || i || chr(1 + i % 31) || '\\', i % 50), '2024-06-01'::timestamp + i * interval '1.5 s',
             '2024-01-02'::timestamp + i * interval '1 ms'
      FROM generate_series(7, 3000) i;
  `);
  // Never closed while idle, so the settings stay; createPool hears the server end it at stop.
  session = createPool(
    { connectionString: stack.stack.postgres!.url('totesys'), idleTimeoutMillis: 0 },
    1,
  );
  source = new PostgresSource(session);
});
afterAll(async () => {
  await session?.end();
  await stack?.stop();
});

/** The old form's bytes: PostgreSQL builds every JSON line. */
async function sqlBuilt(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const client = await session.connect();
  try {
    await pipeline(
      client.query(copyTo(sqlJsonCopy(TABLE, WINDOW, false))),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
  } finally {
    client.release();
  }
  return Buffer.concat(chunks);
}

/** The extract's bytes: a plain COPY, the JSON built in the function, over all the parts. */
async function functionBuilt(partRows?: number): Promise<Buffer> {
  const landing = memoryObjectStore('landing');
  const result = await extractTable(source, landing, TABLE, WINDOW, 'adversary/b.jsonl', false, {
    partRows,
  });
  expect(result.rows).toBe(3000);
  return Buffer.concat(result.keys.map((key) => landing.objects.get(key) as Buffer));
}

/** Lines in byte order: the two forms need not read the rows in one order. */
const sorted = (bytes: Buffer) => bytes.toString('latin1').split('\n').sort().join('\n');

describe('the JSON lines built in the function are byte for byte those PostgreSQL built', () => {
  it.each(['UTC', 'Europe/Amsterdam', 'America/St_Johns', 'Asia/Kathmandu', 'America/Sao_Paulo'])(
    'in session TimeZone %s',
    async (zone) => {
      await session.query(`SET TimeZone = '${zone}'`);
      const expected = await sqlBuilt();
      const actual = await functionBuilt();
      expect(expected.length).toBeGreaterThan(100_000);
      expect(actual.length).toBe(expected.length);
      expect(sorted(actual)).toBe(sorted(expected));
    },
  );

  it('over split parts too', async () => {
    await session.query(`SET TimeZone = 'UTC'`);
    expect(sorted(await functionBuilt(700))).toBe(sorted(await sqlBuilt()));
  });

  it("whatever the session's DateStyle, since the extract sets ISO for its own transaction", async () => {
    await session.query(`SET TimeZone = 'UTC'`);
    const iso = await functionBuilt();
    await session.query(`SET DateStyle = 'German, DMY'`);
    try {
      expect(sorted(await functionBuilt())).toBe(sorted(iso));
      const { rows } = await session.query<{ style: string }>(
        "SELECT current_setting('DateStyle') AS style",
      );
      expect(rows[0]?.style).toBe('German, DMY');
    } finally {
      await session.query(`SET DateStyle = 'ISO, MDY'`);
    }
  });

  it('reads the adversarial values as the contract defines them', async () => {
    await session.query(`SET TimeZone = 'UTC'`);
    const text = (await functionBuilt()).toString('utf8');
    expect(text).toContain('{"adversary_id":2,"big":9223372036854775807,"small":-32768,');
    const lines = text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byId = new Map(lines.map((r) => [r.adversary_id, r]));
    expect(byId.get(2)).toMatchObject({
      money: '12345678.90',
      label: Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('') + '\u007f',
      created_at: '0044-03-15T12:00:00.500000Z BC',
      flag: true,
    });
    expect(byId.get(3)).toMatchObject({ amount: 'NaN', stamped: null, created_at: null });
    expect(byId.get(5)).toMatchObject({ label: '\\N', code: '\\' });
    expect(Object.keys(byId.get(1) ?? {})).toEqual(TABLE.columns.map((c) => c.name));
  });

  it('fails at once on an upload that fails mid-stream, and leaves the connection usable', async () => {
    const landing = memoryObjectStore('landing');
    const failing = {
      ...landing,
      async upload(_key: string, body: NodeJS.ReadableStream) {
        for await (const _chunk of body) throw new Error('S3 said no');
      },
    };
    await expect(
      extractTable(source, failing, TABLE, WINDOW, 'adversary/b.jsonl', false),
    ).rejects.toThrow('S3 said no');
    const { rows } = await session.query<{ one: number }>('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  }, 30_000);
});
