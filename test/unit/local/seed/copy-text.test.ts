import { SOURCE_TABLES } from '../../../../lambdas/shared/core/catalogue';
import {
  CHUNK_CHARS,
  copyTextChunks,
  copyTextLine,
  copyTextValue,
} from '../../../../local/seed/copy-text';
import { Random, streamSeed } from '../../../../local/seed/prng';
import { formatTimestamp } from '../../../../local/seed/clock';
import { centsToText } from '../../../../local/seed/orders';

describe('COPY text encoding', () => {
  it('writes NULL, booleans, numbers and escapes the characters COPY treats specially', () => {
    expect(copyTextValue(null)).toBe('\\N');
    expect(copyTextValue(true)).toBe('t');
    expect(copyTextValue(false)).toBe('f');
    expect(copyTextValue(42)).toBe('42');
    expect(copyTextValue("O'Connell")).toBe("O'Connell");
    expect(copyTextValue('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
  });

  it('orders values as the catalogue lists the columns and refuses a missing one', () => {
    const columns = SOURCE_TABLES.currency.columns;
    const row = {
      last_updated: '2022-11-01 00:00:00.000',
      currency_code: 'GBP',
      currency_id: 1,
      created_at: '2022-11-01 00:00:00.000',
    };
    expect(copyTextLine(row, columns)).toBe(
      '1\tGBP\t2022-11-01 00:00:00.000\t2022-11-01 00:00:00.000\n',
    );
    expect(() => copyTextLine({ currency_id: 1 }, columns)).toThrow(/currency_code/);
  });

  it('writes NULL for a nullable column the row lacks, and still refuses a NOT NULL one', () => {
    const columns = SOURCE_TABLES.department.columns;
    const stamp = '2022-11-01 00:00:00.000';
    const row = { department_id: 2, department_name: 'Purchasing', manager: 'Naomi' };
    expect(copyTextLine({ ...row, created_at: stamp, last_updated: stamp }, columns)).toBe(
      `2\tPurchasing\t\\N\tNaomi\t${stamp}\t${stamp}\n`,
    );
    expect(() => copyTextLine(row, columns)).toThrow(
      'Generated row has no value for column created_at',
    );
  });

  it('batches many rows into chunks of about 64 KB and counts them', () => {
    const columns = SOURCE_TABLES.currency.columns;
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      currency_id: i + 1,
      currency_code: 'EUR',
      created_at: '2022-11-01 00:00:00.000',
      last_updated: '2022-11-01 00:00:00.000',
    }));
    const counter = { rows: 0 };
    const chunks = [...copyTextChunks(rows, columns, counter)];
    expect(counter.rows).toBe(10_000);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.length >= CHUNK_CHARS && c.endsWith('\n'))).toBe(
      true,
    );
    expect(chunks.join('').split('\n')).toHaveLength(10_001);
  });
});

describe('seeded randomness and formatting', () => {
  it('repeats the same sequence for the same seed and differs between streams', () => {
    const a = new Random(7);
    const b = new Random(7);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(streamSeed(1, 'address')).not.toBe(streamSeed(1, 'staff'));
    const r = new Random(1);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
    }
  });

  it('formats UTC timestamps with milliseconds and money with two decimals', () => {
    expect(formatTimestamp(Date.UTC(2024, 1, 29, 7, 5, 9, 42))).toBe('2024-02-29 07:05:09.042');
    expect(formatTimestamp(Date.UTC(2022, 10, 1))).toBe('2022-11-01 00:00:00.000');
    expect(centsToText(5)).toBe('0.05');
    expect(centsToText(123_450)).toBe('1234.50');
  });
});
