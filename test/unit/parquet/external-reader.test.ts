/**
 * The processed files are read by more than our loader: an analyst's DuckDB, Athena or Spark.
 * DuckDB (a reader written apart from hyparquet, in C++) reads every warehouse table as written,
 * value for value, with each row group's statistics right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import { WAREHOUSE_TABLES } from '../../../lambdas/shared/core/warehouse-catalogue';
import { openParquetWriter, parquetColumnsOf } from '../../../lambdas/shared/parquet';
import type { ParquetColumn } from '../../../lambdas/shared/parquet/parquet-schema';
import { rowsFor } from './fixtures';

/** The column in the warehouse row's own text form, as DuckDB is asked for it. */
function asWritten({ name, type }: ParquetColumn): string {
  const column = `"${name}"`;
  switch (type) {
    case 'decimal':
      return `CAST(${column} AS VARCHAR)`;
    case 'date':
      return `strftime(${column}, '%Y-%m-%d')`;
    case 'time':
      return `strftime(DATE '2000-01-01' + CAST(${column} AS TIME), '%H:%M:%S.%f')`;
    case 'timestamp':
      return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%fZ')`;
    default:
      return column;
  }
}

/**
 * Row groups of 30, 17 and 5 rows: the fixtures' few distinct integers and dates make the first
 * two dictionary-encoded, while in the last more than half the values are distinct, so PLAIN.
 */
const GROUPS = [30, 17, 5] as const;
const ROWS = GROUPS.reduce((sum, rows) => sum + rows, 0);
const FIRST_GROUP = GROUPS[0];

let directory: string;
let connection: DuckDBConnection;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'parquet-duckdb-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});

afterAll(() => {
  connection.closeSync();
  rmSync(directory, { recursive: true, force: true });
});

describe.each(WAREHOUSE_TABLES.map((table) => [table.name, table] as const))('%s', (_, table) => {
  const columns = parquetColumnsOf(table);
  const rows = rowsFor(table, ROWS);
  const path = () => join(directory, `${table.name}.parquet`);
  const file = () => `read_parquet('${path()}', file_row_number = true)`;

  beforeAll(async () => {
    const writer = openParquetWriter(path(), table);
    writer.appendRows(rows.slice(0, 20));
    // A chunk refused at its last value, every other column filled by then, leaves nothing
    // behind: not a byte, a level, a bound, nor a boolean's bit in a byte half used.
    const bad = rowsFor(table, 9, 21);
    bad[8] = { ...bad[8], [columns.at(-1)?.name ?? '']: Symbol('bad') } as never;
    expect(() => writer.appendRows(bad)).toThrow();
    writer.appendRows(rows.slice(20, FIRST_GROUP));
    writer.endRowGroup();
    await writer.writeRows(rows.slice(FIRST_GROUP, FIRST_GROUP + GROUPS[1]));
    await writer.writeRows(rows.slice(FIRST_GROUP + GROUPS[1]));
    await writer.close();
  });

  it('reads back every value as written, dictionary-encoded and PLAIN', async () => {
    const list = columns.map((column) => `${asWritten(column)} AS "${column.name}"`).join(', ');
    const read = await connection.runAndReadAll(
      `SELECT ${list} FROM ${file()} ORDER BY file_row_number`,
    );
    expect(read.getRowObjectsJson()).toEqual(rows);
    const encodings = await connection.runAndReadAll(
      `SELECT DISTINCT CAST(row_group_id AS INTEGER), regexp_replace(encodings, ', RLE$', '') FROM parquet_metadata('${path()}')
       WHERE type = 'INT32' ORDER BY row_group_id`,
    );
    expect(encodings.getRows()).toEqual([
      [0, 'PLAIN, RLE_DICTIONARY'],
      [1, 'PLAIN, RLE_DICTIONARY'],
      [2, 'PLAIN'],
    ]);
  });

  it.each([
    ['the first row group', 0, 0, FIRST_GROUP],
    ['the second row group', 1, FIRST_GROUP, FIRST_GROUP + GROUPS[1]],
    ['the third row group', 2, FIRST_GROUP + GROUPS[1], ROWS],
  ])('has the bounds and null count of %s', async (_, group, from, to) => {
    const stats = await connection.runAndReadAll(
      `SELECT path_in_schema AS name, stats_min_value AS min, stats_max_value AS max,
              stats_null_count AS nulls
       FROM parquet_metadata('${path()}') WHERE row_group_id = ${group} ORDER BY column_id`,
    );
    const measures = columns
      .map(
        ({ name }) =>
          `CAST(min("${name}") AS VARCHAR), CAST(max("${name}") AS VARCHAR), ` +
          `CAST(count(*) - count("${name}") AS VARCHAR)`,
      )
      .join(', ');
    const [actual] = (
      await connection.runAndReadAll(
        `SELECT ${measures} FROM ${file()} WHERE file_row_number >= ${from} AND file_row_number < ${to}`,
      )
    ).getRows();
    const expected = columns.map(({ name }, j) => ({
      name,
      min: actual?.[3 * j] ?? null,
      max: actual?.[3 * j + 1] ?? null,
      nulls: actual?.[3 * j + 2],
    }));
    expect(stats.getRowObjectsJson()).toEqual(expected);
  });
});
