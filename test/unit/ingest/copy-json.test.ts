import { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import {
  copyLinesToJson,
  CopyTextToJsonLines,
  type FormedColumn,
} from '../../../lambdas/ingest/copy-json';
import { columnForms, type LiveType } from '../../../lambdas/ingest/extract-query';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';

/** COPY text lines as the source sends them (UTF-8), encoded as the extract does. */
const encode = (columns: FormedColumn[], copy: string) =>
  Buffer.from(copyLinesToJson(columns, Buffer.from(copy, 'utf8').toString('latin1')), 'latin1')
    .toString('utf8')
    .split('\n')
    .slice(0, -1);

const one = (form: FormedColumn['form'], value: string) =>
  encode([{ name: 'v', form }], `${value}\n`)[0];

describe('COPY text to JSON lines', () => {
  it('writes the columns in order, as row_to_json does: no spaces, one line per row', () => {
    const columns: FormedColumn[] = [
      { name: 'payment_id', form: 'number' },
      { name: 'payment_amount', form: 'decimal' },
      { name: 'paid', form: 'boolean' },
      { name: 'payment_date', form: 'text' },
      { name: 'last_updated', form: 'timestamp' },
    ];
    expect(
      encode(
        columns,
        '7\t123456.70\tf\t2024-03-04\t2024-03-02 10:00:00.001\n8\t-0.5\tt\t\\N\t2024-03-02 10:00:00\n',
      ),
    ).toEqual([
      '{"payment_id":7,"payment_amount":"123456.70","paid":false,"payment_date":"2024-03-04","last_updated":"2024-03-02T10:00:00.001000Z"}',
      '{"payment_id":8,"payment_amount":"-0.5","paid":true,"payment_date":null,"last_updated":"2024-03-02T10:00:00.000000Z"}',
    ]);
  });

  it('writes \\N as null in every form', () => {
    for (const form of ['number', 'decimal', 'text', 'timestamp', 'boolean', 'json'] as const) {
      expect(one(form, '\\N')).toBe('{"v":null}');
    }
  });

  it("undoes COPY's escapes and applies JSON's, as PostgreSQL's escape_json does", () => {
    // COPY escapes \b \f \n \r \t \v and the backslash; other controls arrive raw.
    expect(one('text', 'a\\tb\\nc\\rd\\be\\ff\\vg\\\\h"i')).toBe(
      '{"v":"a\\tb\\nc\\rd\\be\\ff\\u000bg\\\\h\\"i"}',
    );
    expect(one('text', '\u0001\u001f\u007f')).toBe('{"v":"\\u0001\\u001f\u007f"}');
    // A text that reads \N is not NULL: COPY prints it as \\N.
    expect(one('text', '\\\\N')).toBe('{"v":"\\\\N"}');
    expect(one('text', '')).toBe('{"v":""}');
  });

  it('passes every byte of multibyte UTF-8 text through unchanged, non-BMP included', () => {
    const text = 'Île — 東京 😀 \u{10ffff} \u2028 \ufeff';
    expect(JSON.parse(one('text', text)!)).toEqual({ v: text });
    expect(one('text', text)).toBe(`{"v":"${text}"}`);
  });

  it.each([
    ['2024-03-01 00:00:00', '2024-03-01T00:00:00.000000Z'],
    ['2024-02-29 23:59:59.999', '2024-02-29T23:59:59.999000Z'],
    ['2024-01-01 00:00:00.000001', '2024-01-01T00:00:00.000001Z'],
    ['0044-03-15 12:00:00.5 BC', '0044-03-15T12:00:00.500000Z BC'],
    ['12345-06-07 08:09:10', '12345-06-07T08:09:10.000000Z'],
    // timestamptz: the wall clock as printed, the offset dropped, whatever its form.
    ['2024-06-01 14:30:00.25+02', '2024-06-01T14:30:00.250000Z'],
    ['2024-06-01 09:00:00-02:30', '2024-06-01T09:00:00.000000Z'],
    ['1850-01-01 00:00:00+00:19:32', '1850-01-01T00:00:00.000000Z'],
    ['0100-01-01 00:00:00.1-00:01:15 BC', '0100-01-01T00:00:00.100000Z BC'],
  ])('writes the timestamp %s as %s', (copy, landed) => {
    expect(one('timestamp', copy)).toBe(`{"v":"${landed}"}`);
  });

  it('writes ±infinity as null, as to_char did', () => {
    expect(one('timestamp', 'infinity')).toBe('{"v":null}');
    expect(one('timestamp', '-infinity')).toBe('{"v":null}');
  });

  it('refuses a timestamp not in DateStyle ISO, naming the column', () => {
    expect(() => one('timestamp', '03/01/2024 00:00:00')).toThrow(
      'COPY printed "03/01/2024 00:00:00" for timestamp column v, not in DateStyle ISO',
    );
    expect(() => one('timestamp', 'Fri 01 Mar 00:00:00 2024')).toThrow(/not in DateStyle ISO/);
  });

  it('writes json-form values as PostgreSQL made them, after undoing COPY escapes', () => {
    expect(one('json', '"a\\\\"b\\\\n"')).toBe('{"v":"a\\"b\\n"}');
  });

  it('refuses a line with more or fewer values than the select list', () => {
    const columns: FormedColumn[] = [
      { name: 'a', form: 'number' },
      { name: 'b', form: 'number' },
    ];
    expect(() => encode(columns, '1\n')).toThrow(
      'A COPY line held 1 values where the select list has 2',
    );
    expect(() => encode(columns, '1\t2\t3\n')).toThrow(
      'A COPY line held 3 values where the select list has 2',
    );
  });

  it('encodes rows cut anywhere across chunks, inside a multibyte character too', async () => {
    const columns: FormedColumn[] = [
      { name: 'id', form: 'number' },
      { name: 'name', form: 'text' },
    ];
    const copy = Buffer.from('1\tÉté 東京 😀\n2\ta\\tb\n3\t\\N\n', 'utf8');
    const whole = copyLinesToJson(columns, copy.toString('latin1'));
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < copy.length; at += size) chunks.push(copy.subarray(at, at + size));
      const out = await readText(
        Readable.from(chunks).pipe(new CopyTextToJsonLines('staff', columns)),
      );
      expect(Buffer.from(out, 'utf8')).toEqual(Buffer.from(whole, 'latin1'));
    }
  });

  it('fails a stream that ends inside a row', async () => {
    const stream = Readable.from([Buffer.from('1\n2')]).pipe(
      new CopyTextToJsonLines('staff', [{ name: 'id', form: 'number' }]),
    );
    await expect(readText(stream)).rejects.toThrow(
      'Extract of staff: the COPY output ended inside a row',
    );
  });
});

describe('the form each column is read in', () => {
  const live = (types: Record<string, number>, enums: string[] = []): LiveType[] =>
    Object.entries(types).map(([name, type]) => ({ name, type, enum: enums.includes(name) }));

  it('reads the totesys types natively', () => {
    const forms = columnForms(
      SOURCE_TABLES.payment_type,
      live(
        { payment_type_id: 23, payment_type_name: 99_999, created_at: 1114, last_updated: 1184 },
        ['payment_type_name'],
      ),
    );
    expect(forms).toEqual([
      { name: 'payment_type_id', form: 'number' },
      { name: 'payment_type_name', form: 'text' },
      { name: 'created_at', form: 'timestamp' },
      { name: 'last_updated', form: 'timestamp' },
    ]);
  });

  it('leaves PostgreSQL to build the JSON of a live type read differently, or unknown', () => {
    // char(n) (1042) loses its trailing blanks in ::text; a date (1082) prints by DateStyle.
    const forms = columnForms(
      SOURCE_TABLES.payment_type,
      live({ payment_type_id: 1700, payment_type_name: 1042, created_at: 1082 }),
    );
    expect(forms.map((f) => f.form)).toEqual(['json', 'json', 'json', 'json']);
  });
});
