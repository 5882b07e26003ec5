/**
 * Readers for the columns of a landed source row. Each takes the column's value (undefined when
 * the column is missing) and returns it in its warehouse encoding, or throws a
 * {@link TransformError} naming table, primary key and column. The caller reads the property
 * itself (`readInt(row.units_sold, 'units_sold', …)`): a property access at the call site stays
 * monomorphic, where one `row[column]` shared by every column would not.
 *
 * They are strict about JSON types on purpose: the ingest stage writes integers as numbers and
 * numerics, dates and timestamps as strings, so anything else is drift that an operator should
 * see rather than a value to coerce. They scan character codes instead of running regular
 * expressions or building Date objects, because they run once per column on millions of rows.
 */
import type { SourceRow } from '../../shared/core/warehouse-catalogue';
import { TransformError, UnholdableValueError, type RowKey } from './errors';
import { daysInMonth } from '../../shared/core/calendar';
import {
  canonicalTimestamp,
  DECIMAL_PRECISION,
  DECIMAL_SCALE,
} from '../../shared/core/value-codecs';

/** One value of a landed row; undefined when the column is not there at all. */
export type SourceValue = SourceRow[string] | undefined;

const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const DOT = 46;

/**
 * A value for a message: JSON, so control characters, NUL and unpaired surrogates are escaped
 * (never written raw to a log or a terminal), cut to about 40 characters.
 */
export function shownValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describe(value: unknown): string {
  if (value === undefined) return 'is missing';
  if (value === null) return 'is null';
  return `has ${typeof value} ${shownValue(value)}`;
}

function fail(table: string, key: RowKey, column: string, expected: string, value: unknown): never {
  throw new TransformError(table, key, column, `must be ${expected} but ${describe(value)}`);
}

function unholdable(
  table: string,
  key: RowKey,
  column: string,
  expected: string,
  value: unknown,
): never {
  throw new UnholdableValueError(
    table,
    key,
    column,
    `must be ${expected} but ${describe(value)}`,
    value,
  );
}

/** NUL, or a UTF-16 surrogate (checked for a partner only when one is there at all). */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const SUSPECT_TEXT = /[\u0000\uD800-\uDFFF]/;

/**
 * What `text` should have been for the warehouse to hold it as it is, or undefined when it can: PostgreSQL text holds
 * no NUL, and UTF-8 (Parquet's and the warehouse's) no unpaired surrogate, which a JSON
 * `"\ud800"` escape decodes to and any encoder would turn into U+FFFD.
 */
export function unholdableText(text: string): string | undefined {
  if (!SUSPECT_TEXT.test(text)) return undefined;
  if (text.includes('\u0000')) return 'text without NUL';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return 'text without an unpaired UTF-16 surrogate';
  }
  return undefined;
}

function holdableText(text: string, column: string, table: string, key: RowKey): string {
  const why = unholdableText(text);
  return why === undefined ? text : unholdable(table, key, column, why, text);
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The number written by `length` ASCII digits at `start`, or -1 when any is not a digit. */
function digitsAt(text: string, start: number, length: number): number {
  let value = 0;
  for (let i = start; i < start + length; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + code - ZERO;
  }
  return value;
}

function isDateAt(text: string, start: number): boolean {
  if (text.charCodeAt(start + 4) !== MINUS || text.charCodeAt(start + 7) !== MINUS) return false;
  const year = digitsAt(text, start, 4);
  const month = digitsAt(text, start + 5, 2);
  const day = digitsAt(text, start + 8, 2);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** True for a real calendar date written 'YYYY-MM-DD' (years 0001–9999). */
export function isIsoDate(text: string): boolean {
  return text.length === 10 && isDateAt(text, 0);
}

/**
 * Exact decimal text with exactly two decimal places, computed on the digits (never through a
 * JS float, which cannot hold 0.1); leading zeros go; "-0.00" becomes "0.00". Digits past the
 * second place must be zeros: anything else is `null`, a value two places cannot hold exactly,
 * which is set aside rather than rounded (PostgreSQL's cast would round it without a word).
 * Returns undefined for anything that is not plain decimal notation (no exponent, sign '+',
 * spaces, 'NaN', or a bare '.5' / '5.').
 *
 * @example
 * toDecimal2('12.5'); // '12.50'
 * toDecimal2('1200'); // '1200.00'
 * toDecimal2('12.340000'); // '12.34'
 * toDecimal2('0.005'); // null
 */
export function toDecimal2(text: string): string | null | undefined {
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) === MINUS;
  let i = negative ? 1 : 0;
  let intStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  if (intEnd === intStart) return undefined;
  let fracStart = length;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT) return undefined;
    fracStart = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    if (i !== length || i === fracStart) return undefined;
  }
  const fracLength = length - fracStart;
  // numeric(10,2) already arrives in its final form: hand it back without allocating.
  if (
    !negative &&
    fracLength === 2 &&
    (intEnd - intStart === 1 || text.charCodeAt(intStart) !== ZERO)
  ) {
    return text;
  }
  while (intStart < intEnd - 1 && text.charCodeAt(intStart) === ZERO) intStart++;
  let digits = text.slice(intStart, intEnd);
  if (fracLength >= 2) {
    for (let extra = fracStart + 2; extra < length; extra++) {
      if (text.charCodeAt(extra) !== ZERO) return null;
    }
    digits += text.slice(fracStart, fracStart + 2);
  } else {
    digits += fracLength === 1 ? `${text.charAt(fracStart)}0` : '00';
  }
  // At least one integer digit (the zeros stop before the last) and two decimal ones.
  const result = `${digits.slice(0, -2)}.${digits.slice(-2)}`;
  return negative && result !== '0.00' ? `-${result}` : result;
}

/**
 * The primary key of a source row: a 32-bit integer, as every totesys key is a serial.
 *
 * @example
 * readKey({ staff_id: 7 }, 'staff', 'staff_id'); // 7
 */
export function readKey(row: SourceRow, table: string, column: string): number {
  const value = row[column];
  if (typeof value === 'number' && (value | 0) === value) return value;
  return fail(table, null, column, 'an integer key', value);
}

/**
 * A PostgreSQL `integer`: a JSON number that is a whole 32-bit value.
 *
 * @example
 * readInt(row.units_sold, 'units_sold', 'sales_order', 2); // 42972, or throws for "abc"
 */
export function readInt(value: SourceValue, column: string, table: string, key: RowKey): number {
  if (typeof value === 'number' && (value | 0) === value) return value;
  return fail(table, key, column, 'an integer', value);
}

/** A nullable `integer`. */
export function readIntOrNull(
  value: SourceValue,
  column: string,
  table: string,
  key: RowKey,
): number | null {
  return value === null ? null : readInt(value, column, table, key);
}

/** A NOT NULL text column; the empty string is a value, not a null. */
export function readText(value: SourceValue, column: string, table: string, key: RowKey): string {
  if (typeof value === 'string') return holdableText(value, column, table, key);
  return fail(table, key, column, 'text', value);
}

/** A nullable text column: JSON null stays null, a missing column is still an error. */
export function readTextOrNull(
  value: SourceValue,
  column: string,
  table: string,
  key: RowKey,
): string | null {
  if (value === null) return value;
  if (typeof value === 'string') return holdableText(value, column, table, key);
  return fail(table, key, column, 'text or null', value);
}

export function readBool(value: SourceValue, column: string, table: string, key: RowKey): boolean {
  if (typeof value === 'boolean') return value;
  return fail(table, key, column, 'a boolean', value);
}

/**
 * A `numeric` column (landed as decimal text) as 2-dp decimal text; see {@link toDecimal2}.
 *
 * @example
 * readDecimal('3.5', 'unit_price', 'sales_order', 2); // '3.50'
 */
export function readDecimal(
  value: SourceValue,
  column: string,
  table: string,
  key: RowKey,
): string {
  const decimal = typeof value === 'string' ? toDecimal2(value) : undefined;
  if (decimal === null) {
    return unholdable(
      table,
      key,
      column,
      'decimal text with at most two decimal places, as DECIMAL(10,2)',
      value,
    );
  }
  if (decimal !== undefined) {
    const integerDigits = decimal.length - DECIMAL_SCALE - 1 - (decimal.startsWith('-') ? 1 : 0);
    if (integerDigits <= DECIMAL_PRECISION - DECIMAL_SCALE) return decimal;
    return unholdable(table, key, column, 'decimal text within DECIMAL(10,2)', value);
  }
  // PostgreSQL's numeric holds these too.
  if (value === 'NaN' || value === 'Infinity' || value === '-Infinity')
    return unholdable(table, key, column, 'a number within DECIMAL(10,2)', value);
  return fail(table, key, column, 'decimal text such as "12.50"', value);
}

/**
 * A date kept as text in totesys (agreed_*_date, payment_date): 'YYYY-MM-DD', checked against
 * the calendar, since the warehouse column is a real `date`.
 *
 * @example
 * readDate('2024-02-29', 'payment_date', 'payment', 9); // '2024-02-29'; '2023-02-29' throws
 */
export function readDate(value: SourceValue, column: string, table: string, key: RowKey): string {
  if (typeof value === 'string') {
    // totesys keeps these dates as text: any text is a legal source value.
    return isIsoDate(value) ? value : unholdable(table, key, column, "a date 'YYYY-MM-DD'", value);
  }
  return fail(table, key, column, "a date 'YYYY-MM-DD'", value);
}

/** What ingest lands for a legal timestamp before year 1 (' BC', as PostgreSQL writes it) or after 9999. */
const OUT_OF_RANGE_TIMESTAMP = /^(\d{4}-.* BC|\d{5,}-.*)$/;

/**
 * A `timestamp` column of any precision, landed as 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (UTC,
 * microseconds), in that form; the millisecond form of earlier releases is widened to it.
 *
 * @example
 * readTimestamp(row.created_at, 'created_at', 'staff', 1); // '2024-03-01T09:15:02.123456Z'
 */
export function readTimestamp(
  value: SourceValue,
  column: string,
  table: string,
  key: RowKey,
): string {
  const timestamp = typeof value === 'string' ? canonicalTimestamp(value) : undefined;
  if (timestamp !== undefined) return timestamp;
  if (typeof value === 'string' && OUT_OF_RANGE_TIMESTAMP.test(value))
    return unholdable(table, key, column, 'a UTC timestamp in years 1 to 9999', value);
  return fail(table, key, column, "a UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ'", value);
}

/**
 * The date part of a landed timestamp: 'YYYY-MM-DD'.
 *
 * @example
 * timestampDate('2024-03-01T09:15:02.123456Z'); // '2024-03-01'
 */
export function timestampDate(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/**
 * A {@link timestampDate} that hands back the same string while consecutive timestamps fall on
 * the same day. Rows land in last_updated order, so a large batch spans few days and this
 * saves most date strings, and the garbage collector the work of keeping them. Take one per
 * column per call: interleaving two columns would defeat it.
 *
 * @example
 * const createdDate = sameDayDates();
 * rows.map((row) => createdDate(row.created_at)); // one '2024-03-01' string for the whole day
 */
export function sameDayDates(): (timestamp: string) => string {
  let lastTimestamp = '';
  let lastDate = '';
  return (timestamp) => {
    for (let i = 0; i < 10; i++) {
      if (timestamp.charCodeAt(i) !== lastTimestamp.charCodeAt(i)) {
        lastTimestamp = timestamp;
        lastDate = timestampDate(timestamp);
        break;
      }
    }
    return lastDate;
  };
}

/**
 * The time of day of a landed timestamp, in UTC with microsecond precision: 'HH:MM:SS.ffffff'.
 * That is the warehouse `time` encoding, and it loads losslessly into `time` (microseconds).
 *
 * @example
 * timestampTime('2024-03-01T09:15:02.123456Z'); // '09:15:02.123456'
 */
export function timestampTime(timestamp: string): string {
  return timestamp.slice(11, 26);
}

/** The later of two landed timestamps; fixed-width ISO text sorts in time order. */
export function newest(a: string, b: string): string {
  return a >= b ? a : b;
}
