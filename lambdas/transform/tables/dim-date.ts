import {
  DIMENSIONS,
  WAREHOUSE_TABLES,
  type RowOf,
  type WarehouseRow,
} from '../../shared/core/warehouse-catalogue';
import { TransformError } from './errors';
import { isIsoDate } from './values';
import { daysFromCivil } from '../../shared/core/calendar';
import { derived } from './spec';

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * dim_date rows, one per distinct 'YYYY-MM-DD' in `dates`, in date order. day_of_week is ISO
 * (1 = Monday … 7 = Sunday); names are English; all of it is calendar arithmetic on the text,
 * so neither the time zone nor the locale of the runtime can shift a day. dim_date rows carry
 * no source_updated_at: a date never changes.
 *
 * @throws {TransformError} (table 'dim_date', column 'date_id') for a string that is not a
 *   real calendar date.
 * @example
 * toDimDate(['2024-02-29']);
 * // → [{ date_id: '2024-02-29', year: 2024, month: 2, day: 29, day_of_week: 4,
 * //      day_name: 'Thursday', month_name: 'February', quarter: 1 }]
 */
export function toDimDate(dates: Iterable<string>): RowOf<'dim_date'>[] {
  const distinct = new Set<string>();
  for (const date of dates) {
    if (!distinct.has(date)) {
      if (!isIsoDate(date)) {
        throw new TransformError('dim_date', date, 'date_id', "must be a date 'YYYY-MM-DD'");
      }
      distinct.add(date);
    }
  }
  // 'YYYY-MM-DD' sorts lexically in date order.
  return [...distinct].sort().map((date): RowOf<'dim_date'> => {
    const year = Number(date.slice(0, 4));
    const month = Number(date.slice(5, 7));
    const day = Number(date.slice(8, 10));
    // 1970-01-01 was a Thursday (ISO 4).
    const dayOfWeek = ((((daysFromCivil(year, month, day) + 3) % 7) + 7) % 7) + 1;
    return {
      date_id: date,
      year,
      month,
      day,
      day_of_week: dayOfWeek,
      day_name: DAY_NAMES[dayOfWeek - 1] ?? '',
      month_name: MONTH_NAMES[month - 1] ?? '',
      quarter: Math.ceil(month / 3),
    };
  });
}

/** Per table, the columns whose foreign key points at dim_date. */
const DATE_COLUMNS: ReadonlyMap<string, readonly string[]> = new Map(
  WAREHOUSE_TABLES.map((table) => [
    table.name,
    Object.keys(table.references).filter((column) => table.references[column] === 'dim_date'),
  ]),
);

/**
 * The values of a row's columns that refer to dim_date (per the warehouse catalogue's foreign
 * keys), so the caller can give dim_date a row for every date a fact points at. Null dates are
 * left out.
 *
 * @example
 * const dates = new Set(facts.flatMap((row) => factDates(row, 'fact_sales_order')));
 * toDimDate(dates);
 */
export function factDates(row: WarehouseRow, table: string): string[] {
  const dates: string[] = [];
  for (const column of DATE_COLUMNS.get(table) ?? []) {
    const value = row[column];
    if (typeof value === 'string') dates.push(value);
  }
  return dates;
}

export const dimDate = derived({
  table: DIMENSIONS.dim_date,
  keysOf: factDates,
  shape: toDimDate,
});
