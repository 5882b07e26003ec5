import { Readable } from 'node:stream';
import { JsonLinesRows, StreamedRows } from '../../../lambdas/ingest/streamed-rows';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';

const STAMPS = [
  '2026-11-23T04:29:02.000001Z',
  '2026-11-23T04:29:03.123456Z',
  '2026-11-23T04:29:01.999999Z',
];

/** JSON lines as jsonb prints them (a space after each colon, keys in its own order). */
const jsonbLines = STAMPS.map(
  (stamp, i) => `{"staff_id": ${i + 7}, "extra": "x\\ny", "last_updated": "${stamp}"}\n`,
);

async function collect(rows: StreamedRows, chunks: string[]): Promise<string> {
  const out: Buffer[] = [];
  const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
    new JsonLinesRows(SOURCE_TABLES.staff, rows),
  );
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

describe('StreamedRows', () => {
  it('keeps the newest stamp of rows in any order and the last row as the cursor', () => {
    const rows = new StreamedRows(undefined);
    STAMPS.forEach((stamp, i) => expect(rows.accept(stamp, String(i + 1))).toBe(true));
    expect(rows.newest).toBe('2026-11-23T04:29:03.123456Z');
    expect(rows.lastCursor('staff')).toEqual({ lastUpdated: STAMPS[2], key: 3 });
    expect(rows.overCap).toBe(false);
  });

  it('refuses the rows past the cap, which only say the window holds more', () => {
    const rows = new StreamedRows(2);
    expect(STAMPS.map((stamp, i) => rows.accept(stamp, String(i + 1)))).toEqual([
      true,
      true,
      false,
    ]);
    expect([rows.written, rows.withheld, rows.overCap]).toEqual([2, 1, true]);
    expect(rows.lastCursor('staff')).toEqual({ lastUpdated: STAMPS[1], key: 2 });
  });

  it('leaves a stamp no manifest holds out of the newest, and ends no batch on it', () => {
    const rows = new StreamedRows(undefined);
    rows.accept('2026-11-23T04:29:02.000001Z', '1');
    rows.accept('9999-12-31T00:00:00.000000Z BC', '2');
    rows.accept(null, '3');
    expect(rows.newest).toBe('2026-11-23T04:29:02.000001Z');
    expect(() => rows.lastCursor('staff')).toThrow(
      'Extract of staff: the batch would end at a row whose last_updated is null and key "3"',
    );
  });

  it('has no newest before a row', () => {
    expect(new StreamedRows(3).newest).toBeNull();
  });
});

describe('JsonLinesRows', () => {
  it('tells each JSON line PostgreSQL built, cut anywhere across chunks, and drops the lines past the cap', async () => {
    const text = jsonbLines.join('');
    const rows = new StreamedRows(2);
    const out = await collect(rows, [text.slice(0, 5), text.slice(5, 70), text.slice(70)]);
    expect(out).toBe(jsonbLines[0]! + jsonbLines[1]!);
    expect(rows.lastCursor('staff')).toEqual({ lastUpdated: STAMPS[1], key: 8 });
    expect(rows.newest).toBe(STAMPS[1]);
    expect(rows.withheld).toBe(1);
  });

  it('passes every line without a cap', async () => {
    const rows = new StreamedRows(undefined);
    expect(await collect(rows, jsonbLines)).toBe(jsonbLines.join(''));
    expect(rows.written).toBe(3);
    expect(rows.newest).toBe(STAMPS[1]);
  });

  it('refuses output that ends inside a line, naming the table', async () => {
    await expect(collect(new StreamedRows(undefined), ['{"staff_id": 1'])).rejects.toThrow(
      'Extract of staff: the COPY output ended inside a line, without its newline',
    );
  });
});
