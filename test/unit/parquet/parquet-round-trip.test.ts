import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import {
  DIMENSIONS,
  FACTS,
  WAREHOUSE_TABLES,
} from '../../../lambdas/shared/core/warehouse-catalogue';
import {
  openParquetWriter,
  readParquetRows,
  SOURCE_UPDATED_AT,
  writeParquetBuffer,
} from '../../../lambdas/shared/parquet';
import { collect, rowsFor } from './fixtures';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parquet-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(WAREHOUSE_TABLES.map((table) => [table.name, table] as const))(
  'round trip of %s',
  (_name, table) => {
    const rows = rowsFor(table, 60);

    it('reads back from a buffer exactly what was written', async () => {
      const groups = await collect(readParquetRows(writeParquetBuffer(table, rows), table));
      expect(groups.flat()).toEqual(rows);
    });

    it('reads back from a file written in row groups', async () => {
      const path = join(dir, `${table.name}.parquet`);
      const writer = openParquetWriter(path, table);
      await writer.writeRows(rows.slice(0, 25));
      await writer.writeRows(rows.slice(25));
      const result = await writer.close();
      expect(result.rows).toBe(60);
      expect(result.bytes).toBeGreaterThan(0);
      const groups = await collect(readParquetRows(path, table));
      expect(groups.map((group) => group.length)).toEqual([25, 35]);
      expect(groups.flat()).toEqual(rows);
    });
  },
);

describe('row groups', () => {
  const table = FACTS.fact_sales_order;

  it('writes one row group per writeRows call and reads them back in order', async () => {
    const path = join(dir, 'groups.parquet');
    const writer = openParquetWriter(path, table);
    const chunks = [rowsFor(table, 1000, 0), rowsFor(table, 10, 1000), rowsFor(table, 2500, 1010)];
    for (const chunk of chunks) await writer.writeRows(chunk);
    await writer.writeRows([]);
    expect(await writer.close()).toEqual({ rows: 3510, bytes: expect.any(Number) });

    const groups = await collect(readParquetRows(path, table));
    expect(groups.map((group) => group.length)).toEqual([1000, 10, 2500]);
    expect(groups.flat()).toEqual(chunks.flat());
  });

  it('joins the rows appended since the last row group into one, every table and type alike', async () => {
    for (const each of WAREHOUSE_TABLES) {
      const path = join(dir, `appended-${each.name}.parquet`);
      const writer = openParquetWriter(path, each);
      const rows = rowsFor(each, 60);
      writer.appendRows(rows.slice(0, 7));
      writer.appendRows(rows.slice(7, 30));
      expect(writer.pendingRows).toBe(30);
      writer.endRowGroup();
      writer.endRowGroup();
      writer.appendRows(rows.slice(30));
      await writer.writeRows([]);
      expect(writer.pendingRows).toBe(0);
      expect((await writer.close()).rows).toBe(60);
      const groups = await collect(readParquetRows(path, each));
      expect(groups.map((group) => group.length)).toEqual([30, 30]);
      expect(groups.flat()).toEqual(rows);
    }
  });

  it('splits a buffer into groups of the given size', async () => {
    const rows = rowsFor(table, 25);
    const bytes = writeParquetBuffer(table, rows, 10);
    expect(parquetMetadata(bytes.buffer as ArrayBuffer).row_groups).toHaveLength(3);
    expect((await collect(readParquetRows(bytes, table))).flat()).toEqual(rows);
  });

  it('writes a readable file with no rows', async () => {
    const path = join(dir, 'empty.parquet');
    const writer = openParquetWriter(path, table);
    expect((await writer.close()).rows).toBe(0);
    expect(await collect(readParquetRows(path, table))).toEqual([]);
  });

  it('refuses rows after close', async () => {
    const writer = openParquetWriter(join(dir, 'closed.parquet'), table);
    await writer.close();
    expect(() => writer.writeRows(rowsFor(table, 1))).toThrow(/closed/);
  });
});

describe('dimension bookkeeping', () => {
  it('stores source_updated_at for sourced dimensions but not dim_date', () => {
    const staff = parquetMetadata(
      writeParquetBuffer(DIMENSIONS.dim_staff, rowsFor(DIMENSIONS.dim_staff, 1))
        .buffer as ArrayBuffer,
    );
    const dates = parquetMetadata(
      writeParquetBuffer(DIMENSIONS.dim_date, rowsFor(DIMENSIONS.dim_date, 1))
        .buffer as ArrayBuffer,
    );
    expect(staff.schema.map((element) => element.name)).toContain(SOURCE_UPDATED_AT);
    expect(dates.schema.map((element) => element.name)).not.toContain(SOURCE_UPDATED_AT);
  });
});
