/**
 * Conversions between the warehouse catalogue's text encodings and the integers Parquet stores.
 * They run once per value on the transform's hot path, so they read character codes instead of
 * using regular expressions, `Date` or floating-point arithmetic, and they return `undefined`
 * for malformed input so the caller can name the column and row in its error.
 */

import { daysFromCivil, daysInMonth } from './calendar';

const CODE_0 = 48;
const CODE_MINUS = 45;
const CODE_DOT = 46;
const CODE_DASH = 45;
const CODE_COLON = 58;
const CODE_T = 84;
const CODE_Z = 90;
const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND;
const MICROS_PER_DAY_BIG = BigInt(MICROS_PER_DAY);
/** 'YYYY-MM-DDTHH:MM:SS.ffffffZ' */
const TIMESTAMP_LENGTH = 27;

/** `unit_price numeric(10,2)`: 10 digits of precision, so the unscaled value stays below 10^10. */
export const DECIMAL_PRECISION = 10;
export const DECIMAL_SCALE = 2;
const UNSCALED_LIMIT = 10 ** DECIMAL_PRECISION;

// Lookup tables make formatting a handful of array reads and one concatenation per value.
const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const pad2 = (n: number): string => PAD2[n] as string;

/**
 * A digit's value, or NOT_A_DIGIT: summing a field's digits then tells in one comparison whether
 * any was not a digit, since nine digits sum to at most 81.
 */
const NOT_A_DIGIT = 1000;
function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - CODE_0;
  return d >= 0 && d <= 9 ? d : NOT_A_DIGIT;
}

/** 'YYYY-MM-DD' → days since the Unix epoch (negative before 1970), or undefined if malformed. */
export function parseDate(text: string): number | undefined {
  return text.length === 10 ? dateAt(text, 0) : undefined;
}

function dateAt(text: string, at: number): number | undefined {
  if (text.charCodeAt(at + 4) !== CODE_DASH || text.charCodeAt(at + 7) !== CODE_DASH) {
    return undefined;
  }
  const y0 = digit(text, at);
  const y1 = digit(text, at + 1);
  const y2 = digit(text, at + 2);
  const y3 = digit(text, at + 3);
  const m0 = digit(text, at + 5);
  const m1 = digit(text, at + 6);
  const d0 = digit(text, at + 8);
  const d1 = digit(text, at + 9);
  if (y0 + y1 + y2 + y3 + m0 + m1 + d0 + d1 >= NOT_A_DIGIT) return undefined;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  // PostgreSQL has no year 0 (1 BC is written '0001-12-31 BC', which no stage produces).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  return daysFromCivil(year, month, day);
}

/** Days since the Unix epoch → 'YYYY-MM-DD' (H. Hinnant's `civil_from_days`). */
export function formatDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) throw new RangeError(`date out of range: ${days} days`);
  return pad2(Math.floor(year / 100)) + pad2(year % 100) + '-' + pad2(month) + '-' + pad2(day);
}

/**
 * 'HH:MM:SS.ffffff' → microseconds since midnight, or undefined if malformed. Microseconds are
 * PostgreSQL's own resolution, so a `timestamp` of any precision passes through unchanged.
 */
export function parseTime(text: string): number | undefined {
  return text.length === 15 ? timeAt(text, 0) : undefined;
}

function timeAt(text: string, at: number): number | undefined {
  if (
    text.charCodeAt(at + 2) !== CODE_COLON ||
    text.charCodeAt(at + 5) !== CODE_COLON ||
    text.charCodeAt(at + 8) !== CODE_DOT
  ) {
    return undefined;
  }
  const h0 = digit(text, at);
  const h1 = digit(text, at + 1);
  const n0 = digit(text, at + 3);
  const n1 = digit(text, at + 4);
  const s0 = digit(text, at + 6);
  const s1 = digit(text, at + 7);
  if (h0 + h1 + n0 + n1 + s0 + s1 >= NOT_A_DIGIT) return undefined;
  const fraction = digits6(text, at + 9);
  if (fraction === undefined) return undefined;
  const hours = h0 * 10 + h1;
  const minutes = n0 * 10 + n1;
  const seconds = s0 * 10 + s1;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return ((hours * 60 + minutes) * 60 + seconds) * MICROS_PER_SECOND + fraction;
}

/** Six digits at `at` as a number, or undefined when any is not a digit. */
function digits6(text: string, at: number): number | undefined {
  const f0 = digit(text, at);
  const f1 = digit(text, at + 1);
  const f2 = digit(text, at + 2);
  const f3 = digit(text, at + 3);
  const f4 = digit(text, at + 4);
  const f5 = digit(text, at + 5);
  if (f0 + f1 + f2 + f3 + f4 + f5 >= NOT_A_DIGIT) return undefined;
  return ((((f0 * 10 + f1) * 10 + f2) * 10 + f3) * 10 + f4) * 10 + f5;
}

/** Microseconds since midnight → 'HH:MM:SS.ffffff'. */
export function formatTime(micros: number): string {
  if (!(micros >= 0 && micros < MICROS_PER_DAY && Number.isInteger(micros))) {
    throw new RangeError(`time of day out of range: ${micros} µs`);
  }
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const minutes = Math.floor(seconds / 60);
  return (
    pad2(Math.floor(minutes / 60)) +
    ':' +
    pad2(minutes % 60) +
    ':' +
    pad2(seconds % 60) +
    '.' +
    (PAD3[Math.floor(fraction / 1000)] as string) +
    (PAD3[fraction % 1000] as string)
  );
}

/**
 * Exact decimal text ('123.45', '-12.05', '7', '0.5') → the value times 100 as an integer, or
 * undefined if malformed, finer than a cent, or beyond DECIMAL(10,2). Digits are accumulated as
 * an integer below 2^53, so no binary fraction is ever involved.
 */
export function parseDecimal(text: string): number | undefined {
  const length = text.length;
  let at = text.charCodeAt(0) === CODE_MINUS ? 1 : 0;
  const negative = at === 1;
  const digitsStart = at;
  let whole = 0;
  for (; at < length; at++) {
    const d = text.charCodeAt(at) - CODE_0;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
    if (whole >= UNSCALED_LIMIT) return undefined;
  }
  if (at === digitsStart) return undefined;
  let fraction = 0;
  if (at < length) {
    if (text.charCodeAt(at) !== CODE_DOT || at === length - 1) return undefined;
    at++;
    for (let place = 0; at < length; at++, place++) {
      const d = text.charCodeAt(at) - CODE_0;
      if (d < 0 || d > 9) return undefined;
      if (place === 0) fraction = d * 10;
      else if (place === 1) fraction += d;
      // Trailing zeros past the scale are harmless; anything else would be silently rounded.
      else if (d !== 0) return undefined;
    }
  }
  const unscaled = whole * 100 + fraction;
  if (unscaled >= UNSCALED_LIMIT) return undefined;
  // '-0.00' is zero; a negative zero would print back with its sign.
  return negative && unscaled !== 0 ? -unscaled : unscaled;
}

/** The value times 100 → canonical text with exactly two decimals ('-0.05', '12.30'). */
export function formatDecimal(unscaled: number): string {
  const negative = unscaled < 0;
  const magnitude = negative ? -unscaled : unscaled;
  const whole = Math.floor(magnitude / 100);
  const text = String(whole) + '.' + pad2(magnitude - whole * 100);
  return negative ? '-' + text : text;
}

/**
 * A landed timestamp, 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (UTC, microseconds) → microseconds since the
 * epoch, or undefined for anything else. A `bigint` because microseconds after the year 2255
 * exceed 2^53. The millisecond form 'YYYY-MM-DDTHH:MM:SS.mmmZ' of earlier releases is read too
 * (watermarks and manifests written before the upgrade), as the same instant.
 */
export function parseTimestamp(text: string): bigint | undefined {
  const canonical = widened(text);
  return canonical === undefined ? undefined : microsOf(canonical);
}

/**
 * The landed form of a timestamp, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', or undefined if `text` is not
 * a valid UTC timestamp with microseconds or (written by earlier releases) milliseconds. Every
 * landed timestamp has this one fixed width, so comparing the text compares the instants.
 *
 * @example
 * canonicalTimestamp('2024-03-01T09:15:02.123456Z'); // the same string
 * canonicalTimestamp('2024-03-01T09:15:02.123Z'); // '2024-03-01T09:15:02.123000Z'
 */
export function canonicalTimestamp(text: string): string | undefined {
  const canonical = widened(text);
  return canonical !== undefined &&
    canonical.charCodeAt(10) === CODE_T &&
    canonical.charCodeAt(26) === CODE_Z &&
    dateAt(canonical, 0) !== undefined &&
    timeAt(canonical, 11) !== undefined
    ? canonical
    : undefined;
}

/** `text` at the landed width: as it is, or a millisecond form with three zeros appended. */
function widened(text: string): string | undefined {
  const length = text.length;
  if (length === TIMESTAMP_LENGTH) return text;
  if (length !== TIMESTAMP_LENGTH - 3 || text.charCodeAt(length - 1) !== CODE_Z) return undefined;
  return `${text.slice(0, length - 1)}000Z`;
}

function microsOf(text: string): bigint | undefined {
  if (text.charCodeAt(10) !== CODE_T || text.charCodeAt(26) !== CODE_Z) return undefined;
  const days = dateAt(text, 0);
  const micros = timeAt(text, 11);
  return days === undefined || micros === undefined
    ? undefined
    : BigInt(days) * MICROS_PER_DAY_BIG + BigInt(micros);
}

/** Microseconds since the epoch → 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. */
export function formatTimestamp(micros: bigint): string {
  let days = micros / MICROS_PER_DAY_BIG;
  let rest = micros - days * MICROS_PER_DAY_BIG;
  // bigint division truncates towards zero; a day starts at midnight before the epoch too.
  if (rest < 0n) {
    days -= 1n;
    rest += MICROS_PER_DAY_BIG;
  }
  return formatDate(Number(days)) + 'T' + formatTime(Number(rest)) + 'Z';
}
