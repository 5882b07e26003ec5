import {
  type WarehouseRow,
  type WarehouseTable,
} from '../../../lambdas/shared/core/warehouse-catalogue';
import { parquetColumnsOf, type ParquetColumn } from '../../../lambdas/shared/parquet';

/** Values chosen for their edges: the encodings' limits, signs, leap days and non-ASCII text. */
const SAMPLES: Record<ParquetColumn['type'], readonly (string | number | boolean)[]> = {
  integer: [0, 1, -1, 2147483647, -2147483648, 42],
  text: ['plain', '', 'Zoë Łukasiewicz', '東京都 🏭', 'tab\tand\nnewline', 'O\'Brien "quoted"'],
  decimal: ['-12.05', '99999999.99', '-99999999.99', '0.00', '-0.05', '3.50', '123.45'],
  date: [
    '1969-12-31',
    '1970-01-01',
    '2024-02-29',
    '1900-02-28',
    '2000-02-29',
    '0001-01-01',
    '9999-12-31',
    '1812-06-24',
  ],
  time: [
    '00:00:00.000000',
    '23:59:59.999000',
    '12:00:00.000000',
    '00:00:00.001000',
    '13:45:07.250000',
  ],
  boolean: [true, false],
  timestamp: [
    '2024-02-29T23:59:59.999000Z',
    '1969-12-31T23:59:59.999000Z',
    '1970-01-01T00:00:00.000000Z',
    '2022-11-03T14:20:51.563000Z',
  ],
};

function sample(column: ParquetColumn, i: number): string | number | boolean | null {
  // Every third row is NULL where the column allows it, so nulls sit between values.
  if (column.nullable && i % 3 === 1) return null;
  const values = SAMPLES[column.type];
  return values[(i + column.name.length) % values.length] as string | number | boolean;
}

/** `count` rows for `table`, covering every sample in every column. */
export function rowsFor(table: WarehouseTable, count: number, first = 0): WarehouseRow[] {
  const columns = parquetColumnsOf(table);
  return Array.from({ length: count }, (_, k) => {
    const row: WarehouseRow = {};
    for (const column of columns) row[column.name] = sample(column, first + k);
    return row;
  });
}

export async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[][]> {
  const groups: T[][] = [];
  for await (const group of iterable) groups.push(group);
  return groups;
}
