import {
  formatDate,
  formatDecimal,
  formatTime,
  formatTimestamp,
  parseDate,
  parseDecimal,
  parseTime,
  canonicalTimestamp,
  parseTimestamp,
} from '../../../lambdas/shared/core/value-codecs';

describe('dates', () => {
  it('agrees with Date in UTC on every day from 1600 to 2400', () => {
    const wrong: string[] = [];
    for (let days = -135_140; days <= 157_054; days++) {
      const text = new Date(days * 86_400_000).toISOString().slice(0, 10);
      if (formatDate(days) !== text || parseDate(text) !== days) wrong.push(text);
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2024-02-29', 19_782],
    ['0001-01-01', -719_162],
  ])('%s is day %d', (text, days) => {
    expect(parseDate(text)).toBe(days);
    expect(formatDate(days)).toBe(text);
  });

  it.each([
    '2023-02-29',
    '1900-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-01-32',
    '2024-01-00',
    '2024/01/01',
    '24-01-01',
    '2024-01-0x',
    '',
  ])('refuses %p', (text) => expect(parseDate(text)).toBeUndefined());
});

describe('times of day', () => {
  it.each([
    ['00:00:00.000000', 0],
    ['23:59:59.999999', 86_399_999_999],
    ['12:34:56.789012', 45_296_789_012],
  ])('%s is %d µs after midnight', (text, micros) => {
    expect(parseTime(text)).toBe(micros);
    expect(formatTime(micros)).toBe(text);
  });

  it('round-trips times spread over the whole day, to the microsecond', () => {
    const wrong: number[] = [];
    for (let micros = 0; micros < 86_400_000_000; micros += 997_331) {
      if (parseTime(formatTime(micros)) !== micros) wrong.push(micros);
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    '24:00:00.000000',
    '12:60:00.000000',
    '12:00:60.000000',
    '12:00:00',
    '12:00:00.000',
    '12:00:00.0000000',
    '1a:00:00.000000',
    '12:00:00.00000x',
  ])('refuses %p', (text) => expect(parseTime(text)).toBeUndefined());

  it('refuses to format a time outside the day or between microseconds', () => {
    expect(() => formatTime(86_400_000_000)).toThrow(RangeError);
    expect(() => formatTime(-1)).toThrow(RangeError);
    expect(() => formatTime(0.5)).toThrow(RangeError);
  });
});

describe('decimals', () => {
  it.each([
    ['123.45', 12_345, '123.45'],
    ['-12.05', -1_205, '-12.05'],
    ['99999999.99', 9_999_999_999, '99999999.99'],
    ['-99999999.99', -9_999_999_999, '-99999999.99'],
    ['0.07', 7, '0.07'],
    ['-0.05', -5, '-0.05'],
    ['3.5', 350, '3.50'],
    ['7', 700, '7.00'],
    ['1.500', 150, '1.50'],
    ['-0.00', 0, '0.00'],
  ])('%s is %d cents, read back as %s', (text, unscaled, canonical) => {
    expect(parseDecimal(text)).toBe(unscaled);
    expect(formatDecimal(unscaled)).toBe(canonical);
  });

  it.each([
    '1.234',
    '100000000.00',
    '',
    '-',
    '.5',
    '1.',
    '1e3',
    '12,50',
    ' 1.00',
    '1.00 ',
    'NaN',
    '--1',
  ])('refuses %p', (text) => expect(parseDecimal(text)).toBeUndefined());
});

describe('timestamps', () => {
  it.each([
    ['2024-02-29T23:59:59.999999Z', 1_709_251_199_999_999n],
    ['1969-12-31T00:00:00.000001Z', -86_399_999_999n],
    ['1970-01-01T00:00:00.000000Z', 0n],
    ['9999-12-31T23:59:59.999999Z', 253_402_300_799_999_999n],
  ])('round-trips %s exactly, beyond 2^53 µs too', (text, micros) => {
    expect(parseTimestamp(text)).toBe(micros);
    expect(formatTimestamp(micros)).toBe(text);
    expect(canonicalTimestamp(text)).toBe(text);
  });

  it('reads the millisecond form of earlier releases as the same instant, widened', () => {
    expect(parseTimestamp('2024-02-29T23:59:59.999Z')).toBe(
      BigInt(Date.parse('2024-02-29T23:59:59.999Z')) * 1000n,
    );
    expect(canonicalTimestamp('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999000Z');
  });

  it.each([
    '2024-02-29T23:59:59.999999+00:00',
    '2024-02-29 23:59:59.999999Z',
    '2024-02-29T23:59:59Z',
    '2024-02-29T23:59:59.9999Z',
    '2023-02-29T23:59:59.999999Z',
    '2024-02-29T23:59:59.99999xZ',
    "2024-02-29T23:59:59.999Z'; DROP",
  ])('refuses %p', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
    expect(canonicalTimestamp(text)).toBeUndefined();
  });
});

/** `text` with the character at `at` replaced by `by`. */
const replaced = (text: string, at: number, by: string) =>
  text.slice(0, at) + by + text.slice(at + 1);

describe('every character of a date, time or timestamp', () => {
  // Below '0' and above '9' for a digit, anything but itself for a separator.
  const wrong = ['/', ':', 'x'];
  const refusals = (text: string, parse: (t: string) => unknown) =>
    [...text].flatMap((char, at) =>
      wrong
        .filter((by) => by !== char)
        .map((by) => replaced(text, at, by))
        .filter((t) => parse(t) !== undefined),
    );

  it.each([
    ['date', '2024-03-01', parseDate],
    ['time', '09:15:02.123456', parseTime],
    ['timestamp', '2024-03-01T09:15:02.123456Z', parseTimestamp],
    ['timestamp of earlier releases', '2024-03-01T09:15:02.123Z', parseTimestamp],
    ['landed timestamp', '2024-03-01T09:15:02.123456Z', canonicalTimestamp],
    ['landed timestamp of earlier releases', '2024-03-01T09:15:02.123Z', canonicalTimestamp],
  ])('of a %s is checked: one wrong character anywhere refuses it', (_, text, parse) => {
    expect(parse(text)).not.toBeUndefined();
    expect(refusals(text, parse)).toEqual([]);
  });

  it('of a decimal’s fraction is checked too', () => {
    for (const text of ['1.x', '1./', '1.0x', '1.0/']) expect(parseDecimal(text)).toBeUndefined();
  });

  it('formats the years 0 to 9999 and refuses any other, naming the day', () => {
    expect(formatDate(2_932_896)).toBe('9999-12-31');
    expect(() => formatDate(2_932_897)).toThrow('date out of range: 2932897 days');
    expect(formatDate(-719_528)).toBe('0000-01-01');
    expect(() => formatDate(-719_529)).toThrow('date out of range: -719529 days');
    expect(() => formatTime(-1)).toThrow('time of day out of range: -1 µs');
  });
});

describe('the length and month checks before the digits are read', () => {
  it('refuses a date with a character more, and the 31st of September', () => {
    expect(parseDate('2026-12-05')).toBe(20_792);
    expect(parseDate('2026-12-051')).toBeUndefined();
    expect(parseDate('2024-09-30')).toBeDefined();
    expect(parseDate('2024-09-31')).toBeUndefined();
  });

  it('widens only a millisecond form that ends in Z', () => {
    expect(canonicalTimestamp('2026-12-05T12:00:00.123Z')).toBe('2026-12-05T12:00:00.123000Z');
    expect(canonicalTimestamp('2026-12-05T12:00:00.123X')).toBeUndefined();
  });
});
