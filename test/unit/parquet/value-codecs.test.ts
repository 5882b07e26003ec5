import {
  formatDate,
  formatDecimal,
  formatTime,
  formatTimestamp,
  parseDate,
  parseDecimal,
  parseTime,
  parseTimestamp,
} from '../../../lambdas/shared/parquet/value-codecs';

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
    ['00:00:00.000', 0],
    ['23:59:59.999', 86_399_999],
    ['12:34:56.789', 45_296_789],
  ])('%s is %d ms after midnight', (text, ms) => {
    expect(parseTime(text)).toBe(ms);
    expect(formatTime(ms)).toBe(text);
  });

  it('round-trips times spread over the whole day', () => {
    const wrong: number[] = [];
    for (let ms = 0; ms < 86_400_000; ms += 997) {
      if (parseTime(formatTime(ms)) !== ms) wrong.push(ms);
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    '24:00:00.000',
    '12:60:00.000',
    '12:00:60.000',
    '12:00:00',
    '12:00:00.0000',
    '1a:00:00.000',
  ])('refuses %p', (text) => expect(parseTime(text)).toBeUndefined());

  it('refuses to format a time outside the day', () => {
    expect(() => formatTime(86_400_000)).toThrow(RangeError);
    expect(() => formatTime(-1)).toThrow(RangeError);
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
  it.each(['2024-02-29T23:59:59.999Z', '1969-12-31T00:00:00.001Z', '1970-01-01T00:00:00.000Z'])(
    'round-trips %s',
    (text) => {
      const ms = parseTimestamp(text);
      expect(ms).toBe(Date.parse(text));
      expect(formatTimestamp(ms as number)).toBe(text);
    },
  );

  it.each(['2024-02-29T23:59:59.999+00:00', '2024-02-29 23:59:59.999Z', '2024-02-29T23:59:59Z'])(
    'refuses %p',
    (text) => expect(parseTimestamp(text)).toBeUndefined(),
  );
});
