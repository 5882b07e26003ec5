import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIMENSIONS, FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';
import {
  openParquetWriter,
  ParquetFileError,
  ParquetValueError,
  readParquetRows,
  writeParquetBuffer,
} from '../../../lambdas/shared/parquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetSchemaOf, SOURCE_UPDATED_AT } from '../../../lambdas/shared/parquet/parquet-schema';
import { collect, rowsFor } from './fixtures';

const table = FACTS.fact_sales_order;
const good = writeParquetBuffer(table, rowsFor(table, 200));

async function readError(input: Uint8Array | string, source?: string, into = table) {
  try {
    await collect(readParquetRows(input, into, source));
  } catch (error) {
    return error;
  }
  throw new Error('expected the read to fail');
}

describe('unreadable files', () => {
  it('refuses random bytes, naming the source', async () => {
    const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
    const error = await readError(noise, 'processed/fact_sales_order/x.parquet');
    expect(error).toBeInstanceOf(ParquetFileError);
    expect(error).toMatchObject({ source: 'processed/fact_sales_order/x.parquet' });
    expect((error as ParquetFileError).problem).toMatch(/^not a Parquet file/);
  });

  it('refuses a truncated file', async () => {
    const error = await readError(good.subarray(0, good.length - 100));
    expect(error).toBeInstanceOf(ParquetFileError);
    expect((error as ParquetFileError).problem).toMatch(/^not a Parquet file/);
  });

  it('refuses an empty file', async () => {
    expect(await readError(new Uint8Array(0))).toBeInstanceOf(ParquetFileError);
  });

  it('refuses a file whose data pages are corrupt', async () => {
    const corrupt = good.slice();
    // Past the 'PAR1' magic, inside the first column chunk: the footer still parses.
    for (let i = 8; i < 400; i++) corrupt[i] = 0xff;
    const error = await readError(corrupt);
    expect(error).toBeInstanceOf(ParquetFileError);
    expect((error as ParquetFileError).problem).toMatch(/^row group 0 unreadable/);
  });

  it('names the path of a local file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parquet-error-'));
    try {
      const path = join(dir, 'bad.parquet');
      writeFileSync(path, 'PAR1 not really');
      expect(await readError(path)).toMatchObject({ source: path });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('schema mismatch', () => {
  it('names the missing and unexpected columns', async () => {
    const staff = writeParquetBuffer(DIMENSIONS.dim_staff, rowsFor(DIMENSIONS.dim_staff, 3));
    const error = (await readError(
      staff,
      'k',
      DIMENSIONS.dim_location as never,
    )) as ParquetFileError;
    expect(error).toBeInstanceOf(ParquetFileError);
    expect(error.problem).toContain('column location_id missing');
    expect(error.problem).toContain('unexpected column staff_id');
  });

  it('reads integers written with the INTEGER logical type, as earlier releases wrote them', async () => {
    const dimension = DIMENSIONS.dim_payment_type;
    const schema = parquetSchemaOf(dimension).map((element) =>
      element.converted_type === 'INT_32'
        ? { ...element, logical_type: { type: 'INTEGER' as const, bitWidth: 32, isSigned: true } }
        : element,
    );
    const earlier = new Uint8Array(
      parquetWriteBuffer({
        schema,
        columnData: [
          { name: 'payment_type_id', data: new Int32Array([1, -7]) },
          { name: 'payment_type_name', data: ['SALES_RECEIPT', 'REFUND'] },
          { name: SOURCE_UPDATED_AT, data: [0n, 1_700_000_000_000_000n] },
        ],
      }),
    );
    expect((await collect(readParquetRows(earlier, dimension))).flat()).toEqual([
      {
        payment_type_id: 1,
        payment_type_name: 'SALES_RECEIPT',
        [SOURCE_UPDATED_AT]: '1970-01-01T00:00:00.000000Z',
      },
      {
        payment_type_id: -7,
        payment_type_name: 'REFUND',
        [SOURCE_UPDATED_AT]: '2023-11-14T22:13:20.000000Z',
      },
    ]);
  });

  it('names a column of another type', async () => {
    // fact_payment has payment_amount as DECIMAL; pretend the catalogue said integer.
    const altered = {
      ...FACTS.fact_payment,
      columns: FACTS.fact_payment.columns.map((column) =>
        column.name === 'payment_amount' ? { ...column, type: 'integer' as const } : column,
      ),
    };
    const bytes = writeParquetBuffer(FACTS.fact_payment, rowsFor(FACTS.fact_payment, 3));
    const error = (await readError(bytes, 'k', altered as never)) as ParquetFileError;
    expect(error.problem).toBe(
      'column payment_amount is INT64 DECIMAL(10,2), expected INT32 INT(32, signed)',
    );
  });

  it('refuses NULLs where the catalogue forbids them, and accepts REQUIRED where it allows them', async () => {
    const optional = {
      ...DIMENSIONS.dim_staff,
      columns: DIMENSIONS.dim_staff.columns.map((column) => ({ ...column, nullable: true })),
    };
    const rows = rowsFor(DIMENSIONS.dim_staff, 4);
    const written = writeParquetBuffer(optional, rows);
    const error = (await readError(
      written,
      'k',
      DIMENSIONS.dim_staff as never,
    )) as ParquetFileError;
    expect(error.problem).toContain('column first_name is OPTIONAL, expected REQUIRED');

    const strict = writeParquetBuffer(DIMENSIONS.dim_staff, rows);
    expect((await collect(readParquetRows(strict, optional))).flat()).toEqual(rows);
  });
});

describe('values that do not fit their column', () => {
  const row = rowsFor(table, 1)[0] as Record<string, unknown>;
  const cases: [string, unknown, RegExp][] = [
    ['unit_price', '1.234', /unit_price row 5: expected decimal/],
    ['unit_price', '100000000.00', /DECIMAL\(10,2\)/],
    ['unit_price', '12,50', /decimal/],
    ['unit_price', null, /got null|got object null/],
    ['created_date', '2023-02-29', /created_date row 5: expected 'YYYY-MM-DD'/],
    ['created_date', '2023-2-28', /'YYYY-MM-DD'/],
    ['created_time', '24:00:00.000000', /'HH:MM:SS.ffffff'/],
    ['created_time', '12:00:00', /'HH:MM:SS.ffffff'/],
    ['units_sold', 1.5, /a 32-bit integer/],
    ['units_sold', 2 ** 31, /a 32-bit integer/],
    ['units_sold', '7', /a 32-bit integer/],
    ['units_sold', undefined, /got no value/],
  ];

  it.each(cases)('refuses %s = %p', (column, value, message) => {
    const rows = rowsFor(table, 10);
    rows[5] = { ...row, [column]: value } as never;
    const attempt = () => writeParquetBuffer(table, rows);
    expect(attempt).toThrow(ParquetValueError);
    expect(attempt).toThrow(message);
  });

  it('leaves the file as it was when a chunk is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parquet-value-'));
    try {
      const path = join(dir, 'partial.parquet');
      const writer = openParquetWriter(path, table);
      const first = rowsFor(table, 5);
      await writer.writeRows(first);
      const bad = rowsFor(table, 5);
      bad[4] = { ...row, unit_price: 'NaN' } as never;
      expect(() => writer.writeRows(bad)).toThrow(/row 9/);
      await writer.close();
      expect((await collect(readParquetRows(readFileSync(path), table))).flat()).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds nothing of appended rows that are refused, and numbers the row among all appended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parquet-value-'));
    try {
      const path = join(dir, 'appended.parquet');
      const writer = openParquetWriter(path, table);
      const first = rowsFor(table, 5);
      writer.appendRows(first);
      const bad = rowsFor(table, 5);
      bad[3] = { ...row, created_time: '25:00:00.000000' } as never;
      expect(() => writer.appendRows(bad)).toThrow(/row 8/);
      expect(writer.pendingRows).toBe(5);
      writer.endRowGroup();
      await writer.close();
      expect((await collect(readParquetRows(readFileSync(path), table))).flat()).toEqual(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a decimal given as a number by its decimal form', async () => {
    const rows = [
      { ...row, unit_price: 0.07 },
      { ...row, unit_price: -12.5 },
    ] as never[];
    const read = (await collect(readParquetRows(writeParquetBuffer(table, rows), table))).flat();
    expect(read.map((r) => r.unit_price)).toEqual(['0.07', '-12.50']);
  });
});
