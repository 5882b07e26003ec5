/**
 * Conversions between the warehouse catalogue's text encodings and the integers Parquet stores.
 * They run once per value on the transform's hot path, so they read character codes instead of
 * using regular expressions, `Date` or floating-point arithmetic, and they return `undefined`
 * for malformed input so the caller can name the column and row in its error.
 */

import { daysFromCivil, daysInMonth } from '../core/calendar';

const CODE_0 = 48;
const CODE_MINUS = 45;
const CODE_DOT = 46;
const CODE_DASH = 45;
const CODE_COLON = 58;
const MS_PER_DAY = 86_400_000;

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
  if (text.length !== 10 || text.charCodeAt(4) !== CODE_DASH || text.charCodeAt(7) !== CODE_DASH) {
    return undefined;
  }
  const y0 = digit(text, 0);
  const y1 = digit(text, 1);
  const y2 = digit(text, 2);
  const y3 = digit(text, 3);
  const m0 = digit(text, 5);
  const m1 = digit(text, 6);
  const d0 = digit(text, 8);
  const d1 = digit(text, 9);
  if (y0 + y1 + y2 + y3 + m0 + m1 + d0 + d1 >= NOT_A_DIGIT) return undefined;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
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

/** 'HH:MM:SS.mmm' → milliseconds since midnight, or undefined if malformed. */
export function parseTime(text: string): number | undefined {
  if (
    text.length !== 12 ||
    text.charCodeAt(2) !== CODE_COLON ||
    text.charCodeAt(5) !== CODE_COLON ||
    text.charCodeAt(8) !== CODE_DOT
  ) {
    return undefined;
  }
  const h0 = digit(text, 0);
  const h1 = digit(text, 1);
  const n0 = digit(text, 3);
  const n1 = digit(text, 4);
  const s0 = digit(text, 6);
  const s1 = digit(text, 7);
  const f0 = digit(text, 9);
  const f1 = digit(text, 10);
  const f2 = digit(text, 11);
  if (h0 + h1 + n0 + n1 + s0 + s1 + f0 + f1 + f2 >= NOT_A_DIGIT) return undefined;
  const hours = h0 * 10 + h1;
  const minutes = n0 * 10 + n1;
  const seconds = s0 * 10 + s1;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + f0 * 100 + f1 * 10 + f2;
}

/** Milliseconds since midnight → 'HH:MM:SS.mmm'. */
export function formatTime(ms: number): string {
  if (!(ms >= 0 && ms < MS_PER_DAY)) throw new RangeError(`time of day out of range: ${ms} ms`);
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return (
    pad2(Math.floor(minutes / 60)) +
    ':' +
    pad2(minutes % 60) +
    ':' +
    pad2(seconds % 60) +
    '.' +
    (PAD3[ms % 1000] as string)
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
 * The canonical `Date#toISOString` form 'YYYY-MM-DDTHH:MM:SS.mmmZ' → milliseconds since the
 * epoch, or undefined for anything else: other offsets or precisions would not read back as the
 * same text.
 */
export function parseTimestamp(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(10) !== 84 || text.charCodeAt(23) !== 90) {
    return undefined;
  }
  const days = parseDate(text.slice(0, 10));
  const ms = parseTime(text.slice(11, 23));
  return days === undefined || ms === undefined ? undefined : days * MS_PER_DAY + ms;
}

/** Milliseconds since the epoch → 'YYYY-MM-DDTHH:MM:SS.mmmZ'. */
export function formatTimestamp(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  return formatDate(days) + 'T' + formatTime(ms - days * MS_PER_DAY) + 'Z';
}
