import { Readable } from 'node:stream';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import {
  LandingLineError,
  MAX_LANDING_LINE_BYTES,
  type DecodedRow,
} from '../../../lambdas/shared/core/json-lines';
import { readLandingRows } from '../../../lambdas/shared/landing-reader';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';

const KEY = 'currency/20261123T043451123Z-3f9a1c.jsonl';

/** A bucket holding one object, streamed in exactly the pieces given, as S3 cuts its bodies. */
function storeStreaming(pieces: Buffer[]): ObjectStore {
  const refused = () => Promise.reject(new Error('not used by the reader'));
  return {
    bucket: 'landing',
    stream: () => Promise.resolve(Readable.from(pieces)),
    put: refused,
    upload: refused,
    get: refused,
    getIfExists: refused,
    exists: refused,
    list: refused,
    delete: refused,
  };
}

const row = (id: number, code: string) =>
  JSON.stringify({
    currency_id: id,
    currency_code: code,
    created_at: '2024-03-01T00:00:00.000Z',
    last_updated: '2024-03-01T00:00:00.000Z',
  });

/** The object cut into pieces at the given byte offsets. */
const cut = (object: Buffer, ...at: number[]) =>
  [0, ...at].map((from, i) => object.subarray(from, at[i] ?? object.length));

async function read(pieces: Buffer[]): Promise<DecodedRow[]> {
  const rows: DecodedRow[] = [];
  await readLandingRows(storeStreaming(pieces), KEY, SOURCE_TABLES.currency, (chunk) => {
    rows.push(...chunk);
  });
  return rows;
}

async function refusal(pieces: Buffer[]): Promise<LandingLineError> {
  const error = await read(pieces).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(LandingLineError);
  return error as LandingLineError;
}

describe('reading a landing object', () => {
  it('reads characters split between two pieces of the stream, and CRLF breaks', async () => {
    const object = Buffer.from(`${row(1, 'GBP')}\r\n${row(2, '東京€')}\n${row(3, 'EUR')}`);
    const split = object.indexOf(Buffer.from('京')) + 1;
    const rows = await read(cut(object, 5, split, split + 1, split + 4));
    expect(rows.map((r) => r.currency_code)).toEqual(['GBP', '東京€', 'EUR']);
  });

  it('drops a byte-order mark opening the object, as a TextDecoder does, and reads every line after it', async () => {
    const object = Buffer.from(`\uFEFF${row(1, 'GBP')}\n${row(2, 'EUR')}\n`);
    for (const pieces of [[object], cut(object, 2), cut(object, 3, 4)]) {
      expect((await read(pieces)).map((r) => r.currency_code)).toEqual(['GBP', 'EUR']);
    }
  });

  it('keeps a U+FFFD that the bytes really hold', async () => {
    const rows = await read([Buffer.from(`${row(1, 'a\uFFFDb')}\n`)]);
    expect(rows[0]!.currency_code).toBe('a\uFFFDb');
  });
});

describe('a landing object that is not UTF-8', () => {
  const latin1 = (line: string) =>
    Buffer.concat([Buffer.from(line.replace('XXX', 'caf')), Buffer.from([0xe9])]);

  it('is refused with the line and the byte offset, never read as U+FFFD', async () => {
    const first = `${row(1, 'GBP')}\n`;
    const second = row(2, 'XXX');
    const object = Buffer.concat([
      Buffer.from(first),
      latin1(second.slice(0, second.indexOf('XXX') + 3)),
      Buffer.from(second.slice(second.indexOf('XXX') + 3) + '\n'),
    ]);
    const byte = Buffer.byteLength(first) + second.indexOf('XXX') + 3;
    for (const pieces of [[object], cut(object, byte), cut(object, byte + 1), cut(object, 3)]) {
      const error = await refusal(pieces);
      expect(error.location).toEqual({ bucket: 'landing', key: KEY, line: 2, byte });
      expect(error.message).toBe(
        `s3://landing/${KEY} line 2 at byte ${byte} (table currency): is not UTF-8 (0xe9): ` +
          "restore the object from the bucket's earlier versions, then replay the batch",
      );
    }
  });

  it('is refused at the first byte of a sequence cut short, also across pieces and at the end', async () => {
    const first = `${row(1, 'a\uFFFDb')}\n${row(2, 'GBP')}\n`;
    const euro = Buffer.from('€');
    const broken = Buffer.concat([Buffer.from(first), euro.subarray(0, 2), Buffer.from('x')]);
    const byte = Buffer.byteLength(first);
    expect((await refusal(cut(broken, byte + 1))).location).toMatchObject({ line: 3, byte });
    const ending = Buffer.concat([Buffer.from(first), euro.subarray(0, 2)]);
    expect((await refusal([ending])).location).toMatchObject({ line: 3, byte });
  });
});

describe(`a landing line over ${MAX_LANDING_LINE_BYTES} bytes`, () => {
  /** A currency row padded with a drift column to exactly `bytes` bytes. */
  const rowOf = (bytes: number) => {
    const short = JSON.stringify({ ...(JSON.parse(row(2, 'GBP')) as object), pad: '' });
    return `${short.slice(0, -2)}${'x'.repeat(bytes - short.length)}"}`;
  };
  const first = `${row(1, 'GBP')}\n`;
  const start = Buffer.byteLength(first);

  it('is read when it is exactly the bound', async () => {
    const object = Buffer.from(`${first}${rowOf(MAX_LANDING_LINE_BYTES)}\n${row(3, 'EUR')}\n`);
    expect(await read(cut(object, 65_536, 2 * 65_536))).toHaveLength(3);
  });

  it.each([
    [
      'in one piece, with a line after it',
      (line: string) => [Buffer.from(`${first}${line}\n{}\n`)],
    ],
    [
      'in pieces of 64 KiB, never ended',
      (line: string) => {
        const object = Buffer.from(`${first}${line}`);
        return Array.from({ length: Math.ceil(object.length / 65_536) }, (_, i) =>
          object.subarray(i * 65_536, (i + 1) * 65_536),
        );
      },
    ],
    [
      'ended one byte into the next piece',
      (line: string) => cut(Buffer.from(`${first}${line}\n`), start + MAX_LANDING_LINE_BYTES),
    ],
  ])('is refused %s, naming the line and the byte it begins at', async (_how, pieces) => {
    const error = await refusal(pieces(rowOf(MAX_LANDING_LINE_BYTES + 1)));
    expect(error.location).toEqual({ bucket: 'landing', key: KEY, line: 2, byte: start });
    expect(error.message).toContain(
      `line 2 at byte ${start} (table currency): is longer than ${MAX_LANDING_LINE_BYTES} bytes`,
    );
  });
});
