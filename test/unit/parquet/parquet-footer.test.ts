import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { DIMENSIONS, FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';
import { writeParquetBuffer } from '../../../lambdas/shared/parquet';
import { rowsFor } from './fixtures';

function footer(table: typeof FACTS.fact_sales_order | typeof DIMENSIONS.dim_staff) {
  const metadata = parquetMetadata(
    writeParquetBuffer(table, rowsFor(table, 10)).buffer as ArrayBuffer,
  );
  const element = (name: string): SchemaElement => {
    const found = metadata.schema.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no column ${name}`);
    return found;
  };
  return { metadata, element };
}

describe('Parquet footer types', () => {
  const { metadata, element } = footer(FACTS.fact_sales_order);

  it('stores decimals as INT64 DECIMAL(10,2)', () => {
    expect(element('unit_price')).toMatchObject({
      type: 'INT64',
      repetition_type: 'REQUIRED',
      converted_type: 'DECIMAL',
      precision: 10,
      scale: 2,
      logical_type: { type: 'DECIMAL', precision: 10, scale: 2 },
    });
  });

  it('stores dates as INT32 DATE', () => {
    expect(element('agreed_payment_date')).toMatchObject({
      type: 'INT32',
      converted_type: 'DATE',
      logical_type: { type: 'DATE' },
    });
  });

  it('stores times as INT64 TIME(MICROS, UTC)', () => {
    expect(element('created_time')).toMatchObject({
      type: 'INT64',
      converted_type: 'TIME_MICROS',
      logical_type: { type: 'TIME', unit: 'MICROS', isAdjustedToUTC: true },
    });
  });

  it('stores integers as signed INT32, by the converted type alone', () => {
    expect(element('units_sold')).toMatchObject({ type: 'INT32', converted_type: 'INT_32' });
    expect(element('units_sold')?.logical_type).toBeUndefined();
  });

  it('compresses every column chunk with Snappy', () => {
    const codecs = metadata.row_groups.flatMap((group) =>
      group.columns.map((column) => column.meta_data?.codec),
    );
    expect(new Set(codecs)).toEqual(new Set(['SNAPPY']));
  });

  it('stores text as UTF-8 strings, OPTIONAL where the catalogue allows NULL', () => {
    const staff = footer(DIMENSIONS.dim_staff);
    expect(staff.element('location')).toMatchObject({
      type: 'BYTE_ARRAY',
      repetition_type: 'OPTIONAL',
      converted_type: 'UTF8',
      logical_type: { type: 'STRING' },
    });
    expect(staff.element('first_name').repetition_type).toBe('REQUIRED');
  });

  it('stores source_updated_at as INT64 TIMESTAMP(MICROS, UTC)', () => {
    expect(footer(DIMENSIONS.dim_staff).element('source_updated_at')).toMatchObject({
      type: 'INT64',
      repetition_type: 'REQUIRED',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type: { type: 'TIMESTAMP', unit: 'MICROS', isAdjustedToUTC: true },
    });
  });

  it('stores booleans as BOOLEAN', () => {
    expect(footer(FACTS.fact_payment as never).element('paid')).toMatchObject({ type: 'BOOLEAN' });
  });

  it('keeps the unscaled decimal, the day number and the microsecond in the statistics', () => {
    const rows = [
      {
        ...rowsFor(FACTS.fact_payment, 1)[0],
        payment_amount: '-12.05',
        payment_date: '1969-12-31',
        created_time: '23:59:59.999000',
      },
    ];
    const { row_groups } = parquetMetadata(
      writeParquetBuffer(FACTS.fact_payment, rows).buffer as ArrayBuffer,
    );
    const stats = (name: string) =>
      row_groups[0]?.columns.find((column) => column.meta_data?.path_in_schema[0] === name)
        ?.meta_data?.statistics;
    // hyparquet decodes the statistics by the logical type: the decimal as a number, the date as a Date.
    expect(stats('payment_amount')?.min_value).toBeCloseTo(-12.05, 10);
    expect(stats('payment_date')?.min_value).toEqual(new Date('1969-12-31T00:00:00.000000Z'));
    expect(stats('created_time')?.min_value).toBe(86_399_999_000n);
  });
});
