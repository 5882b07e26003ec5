import {
  isIsoDate,
  readBool,
  readDate,
  readDecimal,
  readInt,
  readKey,
  readText,
  readTextOrNull,
  readTimestamp,
  sameDayDates,
  timestampDate,
  timestampTime,
  toDecimal2,
  TransformError,
} from '../../../lambdas/transform/tables';
import { unholdableText } from '../../../lambdas/transform/tables/values';
import { UnholdableValueError } from '../../../lambdas/transform/tables/errors';
import { transformErrorFrom } from './helpers';

describe('toDecimal2', () => {
  it.each([
    ['12.50', '12.50'],
    ['12.5', '12.50'],
    ['1200', '1200.00'],
    ['3.5', '3.50'],
    ['0', '0.00'],
    ['007.10', '7.10'],
    ['00.05', '0.05'],
    ['-4.2', '-4.20'],
    ['12.340000', '12.34'],
    ['-12.50', '-12.50'],
    ['-0.00', '0.00'],
  ])('writes %p as %p', (input, expected) => {
    expect(toDecimal2(input)).toBe(expected);
  });

  it.each([
    ['0.005', '0.01'],
    ['0.004', '0.00'],
    ['2.675', '2.68'],
    ['9.995', '10.00'],
    ['19.995', '20.00'],
    ['0.995', '1.00'],
    ['99999999.999', '100000000.00'],
    ['-0.005', '-0.01'],
    ['-0.004', '0.00'],
    ['1.0049999', '1.00'],
  ])('never rounds %p (to %p, as a cast would): two places cannot hold it exactly', (input) => {
    expect(toDecimal2(input)).toBeNull();
  });

  it('keeps digits a float would lose, and zeros past the second place are no loss', () => {
    expect(toDecimal2('12345678901234567890.12')).toBe('12345678901234567890.12');
    expect(toDecimal2('12345678901234567890.125')).toBeNull();
    expect(toDecimal2('-7.5000000')).toBe('-7.50');
    expect(toDecimal2('0.0000001')).toBeNull();
  });

  it.each(['', '-', '.5', '5.', '1e3', '+1.00', ' 1.00', '1,00', 'NaN', 'abc', '1.2.3', '--1'])(
    'refuses %p',
    (input) => {
      expect(toDecimal2(input)).toBeUndefined();
    },
  );
});

describe('dates and timestamps', () => {
  it.each(['2024-02-29', '2023-12-31', '0001-01-01', '9999-12-31'])('accepts the date %p', (d) => {
    expect(isIsoDate(d)).toBe(true);
  });

  it.each([
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-06-31',
    '2024-11-31',
    '2024-1-01',
    '24-01-01',
    '2024/01/01',
    '2024/01-01',
    '2024-01/01',
    '2024-01-00',
    '2a24-01-01',
    '0000-01-01',
    '2024-01-01T00:00:00.000000Z',
  ])('refuses the date %p', (d) => {
    expect(isIsoDate(d)).toBe(false);
  });

  it('reads a landed timestamp with microseconds as it is, and widens a millisecond one', () => {
    expect(readTimestamp('2024-03-01T09:15:02.123456Z', 'last_updated', 'staff', 1)).toBe(
      '2024-03-01T09:15:02.123456Z',
    );
    expect(readTimestamp('2024-03-01T09:15:02.123Z', 'last_updated', 'staff', 1)).toBe(
      '2024-03-01T09:15:02.123000Z',
    );
  });

  it.each([
    '2024-03-01T09:15:02Z',
    '2024-03-01T09:15:02.1234Z',
    '2024-03-01 09:15:02.123456',
    '2024-03-01T09:15:02.123456+00:00',
    '2024-03-01T24:00:00.000000Z',
    '2024-03-01T09:60:00.000000Z',
    '2024-02-30T09:15:02.123000Z',
  ])('refuses the timestamp %p, naming table, row and column', (t) => {
    expect(() => readTimestamp(t, 'last_updated', 'staff', 7)).toThrow(TransformError);
    expect(() => readTimestamp(t, 'last_updated', 'staff', 7)).toThrow(/staff.*7.*last_updated/);
  });

  it('gives the time of day to the microsecond', () => {
    expect(timestampTime('2024-03-01T09:15:02.123456Z')).toBe('09:15:02.123456');
  });

  it('gives back the date of each timestamp, reusing it while the day does not change', () => {
    const dateOf = sameDayDates();
    const days = [
      '2024-03-01T09:15:02.123000Z',
      '2024-03-01T23:59:59.999000Z',
      '2024-03-02T00:00:00.000000Z',
      '2024-03-01T12:00:00.000000Z',
      '2025-03-01T12:00:00.000000Z',
    ].map(dateOf);
    expect(days).toEqual(['2024-03-01', '2024-03-01', '2024-03-02', '2024-03-01', '2025-03-01']);
  });

  it('splits a timestamp into its UTC date and HH:MM:SS.mmm time of day', () => {
    expect(timestampDate('2024-03-01T09:15:02.123000Z')).toBe('2024-03-01');
    expect(timestampTime('2024-03-01T09:15:02.123000Z')).toBe('09:15:02.123000');
  });
});

describe('readers', () => {
  it('reads a 32-bit integer and refuses fractions, strings and out-of-range numbers', () => {
    expect(readInt(42, 'units_sold', 'sales_order', 1)).toBe(42);
    for (const bad of [1.5, '42', 2 ** 31, null, undefined, true]) {
      expect(() => readInt(bad, 'units_sold', 'sales_order', 1)).toThrow(TransformError);
    }
  });

  it('names table, key, column and what it found', () => {
    const error = transformErrorFrom(() => readInt('abc', 'units_sold', 'sales_order', 17));
    expect(error).toMatchObject({ table: 'sales_order', key: 17, column: 'units_sold' });
    expect(error.message).toContain('sales_order row 17: column units_sold must be an integer');
    expect(error.message).toContain('"abc"');
  });

  it('tells a missing column from a null one', () => {
    expect(
      transformErrorFrom(() => readTextOrNull(undefined, 'district', 'address', 3)).problem,
    ).toContain('is missing');
    expect(readTextOrNull(null, 'district', 'address', 3)).toBeNull();
  });

  it('refuses a number where numeric text belongs', () => {
    expect(transformErrorFrom(() => readDecimal(12.5, 'unit_price', 'sales_order', 1)).column).toBe(
      'unit_price',
    );
  });

  it.each([
    ['text', () => readText(5, 'city', 'address', 3), 'must be text but has number 5'],
    [
      'text or null',
      () => readTextOrNull(false, 'district', 'address', 3),
      'must be text or null but has boolean false',
    ],
    [
      'a boolean',
      () => readBool('yes', 'paid', 'payment', 3),
      'must be a boolean but has string "yes"',
    ],
    [
      'decimal text',
      () => readDecimal('1e3', 'unit_price', 'sales_order', 3),
      'must be decimal text such as "12.50" but has string "1e3"',
    ],
    [
      'a date',
      () => readDate('2024-02-30', 'payment_date', 'payment', 3),
      `must be a date 'YYYY-MM-DD' but has string "2024-02-30"`,
    ],
    [
      'a date, given a number,',
      () => readDate(20240229, 'payment_date', 'payment', 3),
      `must be a date 'YYYY-MM-DD' but has number 20240229`,
    ],
    [
      'a timestamp',
      () => readTimestamp(null, 'last_updated', 'staff', 3),
      `must be a UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ' but is null`,
    ],
    [
      'an integer key',
      () => readKey({ staff_id: 1.5 }, 'staff', 'staff_id'),
      'must be an integer key but has number 1.5',
    ],
  ])('says what %s it wanted and what it found', (_, read, problem) => {
    expect(transformErrorFrom(read).problem).toBe(problem);
  });

  it('shows a found value of up to 40 characters whole, and a longer one cut at 40', () => {
    const forty = `"${'x'.repeat(38)}"`;
    expect(
      transformErrorFrom(() => readInt(forty.slice(1, -1), 'units_sold', 'sales_order', 1)).problem,
    ).toBe(`must be an integer but has string ${forty}`);
    expect(
      transformErrorFrom(() => readInt('y'.repeat(50), 'units_sold', 'sales_order', 1)).problem,
    ).toBe(`must be an integer but has string "${'y'.repeat(39)}…`);
  });

  it('reports an unreadable primary key with a null key', () => {
    expect(transformErrorFrom(() => readKey({ staff_id: 'x' }, 'staff', 'staff_id'))).toMatchObject(
      {
        table: 'staff',
        key: null,
        column: 'staff_id',
      },
    );
  });
});

describe('values the warehouse cannot hold: the row is set aside, never the batch', () => {
  const unholdable = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      return error;
    }
    throw new Error('read without a refusal');
  };

  it.each<[string, () => unknown, string]>([
    [
      'a numeric beyond DECIMAL(10,2)',
      () => readDecimal('123456789012.5', 'item_unit_price', 'purchase_order', 4),
      'must be decimal text within DECIMAL(10,2) but has string "123456789012.5"',
    ],
    [
      'a numeric one cent beyond',
      () => readDecimal('100000000.00', 'payment_amount', 'payment', 4),
      'must be decimal text within DECIMAL(10,2) but has string "100000000.00"',
    ],
    [
      'a negative numeric beyond',
      () => readDecimal('-100000000', 'payment_amount', 'payment', 4),
      'must be decimal text within DECIMAL(10,2) but has string "-100000000"',
    ],
    [
      'a numeric that would round up beyond',
      () => readDecimal('99999999.995', 'payment_amount', 'payment', 4),
      'must be decimal text with at most two decimal places, as DECIMAL(10,2) but has string "99999999.995"',
    ],
    [
      'a third decimal place, which two places would round away',
      () => readDecimal('2.675', 'item_unit_price', 'purchase_order', 4),
      'must be decimal text with at most two decimal places, as DECIMAL(10,2) but has string "2.675"',
    ],
    [
      'NaN',
      () => readDecimal('NaN', 'payment_amount', 'payment', 4),
      'must be a number within DECIMAL(10,2) but has string "NaN"',
    ],
    [
      'Infinity',
      () => readDecimal('Infinity', 'payment_amount', 'payment', 4),
      'must be a number within DECIMAL(10,2) but has string "Infinity"',
    ],
    [
      '-Infinity',
      () => readDecimal('-Infinity', 'payment_amount', 'payment', 4),
      'must be a number within DECIMAL(10,2) but has string "-Infinity"',
    ],
    [
      'NUL',
      () => readText('a\u0000b', 'item_code', 'purchase_order', 4),
      'must be text without NUL but has string "a\\u0000b"',
    ],
    [
      'an unpaired high surrogate',
      () => readTextOrNull('x\ud800', 'district', 'address', 4),
      'must be text without an unpaired UTF-16 surrogate but has string "x\\ud800"',
    ],
    [
      'an unpaired low surrogate',
      () => readText('\udc00x', 'design_name', 'design', 4),
      'must be text without an unpaired UTF-16 surrogate but has string "\\udc00x"',
    ],
    [
      'a BC timestamp',
      () => readTimestamp('0044-03-15T12:00:00.000000Z BC', 'created_at', 'sales_order', 4),
      'must be a UTC timestamp in years 1 to 9999 but has string "0044-03-15T12:00:00.000000Z BC"',
    ],
    [
      'a timestamp after 9999',
      () => readTimestamp('10000-01-01T00:00:00.000000Z', 'created_at', 'sales_order', 4),
      'must be a UTC timestamp in years 1 to 9999 but has string "10000-01-01T00:00:00.000000Z"',
    ],
    [
      'an agreed date kept as text that is no date',
      () => readDate('next week', 'agreed_delivery_date', 'sales_order', 4),
      `must be a date 'YYYY-MM-DD' but has string "next week"`,
    ],
  ])('%s', (_name, read, problem) => {
    const error = unholdable(read);
    expect(error).toBeInstanceOf(UnholdableValueError);
    expect((error as UnholdableValueError).problem).toBe(problem);
    expect((error as UnholdableValueError).key).toBe(4);
  });

  it('holds the largest DECIMAL(10,2), a surrogate pair and a plain timestamp', () => {
    expect(readDecimal('99999999.99', 'payment_amount', 'payment', 4)).toBe('99999999.99');
    // The sign is no digit: the most negative DECIMAL(10,2) has as many as the largest.
    expect(readDecimal('-99999999.99', 'payment_amount', 'payment', 4)).toBe('-99999999.99');
    expect(readText('tote 👜', 'design_name', 'design', 4)).toBe('tote 👜');
    expect(readTimestamp('0001-01-01T00:00:00.000000Z', 'created_at', 'sales_order', 4)).toBe(
      '0001-01-01T00:00:00.000000Z',
    );
  });

  it('leaves a timestamp ingest never writes a whole-object fault', () => {
    const error = unholdable(() => readTimestamp('yesterday', 'created_at', 'sales_order', 4));
    expect(error).toBeInstanceOf(TransformError);
    expect(error).not.toBeInstanceOf(UnholdableValueError);
  });
});

describe('unholdableText', () => {
  // A surrogate is a UTF-16 code unit from D800 to DFFF: a high one (to DBFF) must be followed by
  // a low one (DC00 on); the cases sit on each bound.
  it.each([
    ['plain text before a pair', 'ab\ud800\udc00'],
    ['the first pair, U+10000', '\ud800\udc00'],
    ['the last pair, U+10FFFF', '\udbff\udfff'],
    // Beside a pair, so that the text is looked at unit by unit.
    ['the units just outside the range, beside a pair', '\ud7ff\ud800\udc00\ue000'],
  ])('holds %s', (_name, text) => {
    expect(unholdableText(text)).toBeUndefined();
  });

  it.each([
    ['the last low surrogate alone', '\udfff'],
    ['a low surrogate after a low one', '\udc00\udc00'],
    ['a high surrogate before plain text', '\ud800x'],
    ['a high surrogate before a character past the range', '\ud800\ue000'],
    ['a high surrogate before a high one', '\udbff\udbff'],
  ])('refuses %s', (_name, text) => {
    expect(unholdableText(text)).toBe('text without an unpaired UTF-16 surrogate');
  });

  it('says NUL first, whatever else the text holds', () => {
    expect(unholdableText('\ud800\u0000')).toBe('text without NUL');
  });
});
