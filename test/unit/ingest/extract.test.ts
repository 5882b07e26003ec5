import { extractTable, type ExtractParts } from '../../../lambdas/ingest/extract';
import { SOURCE_TABLES } from '../../../lambdas/shared/core/catalogue';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import { memoryObjectStore } from '../../support/fakes/memory-object-store';
import { MemorySource, type MemoryRow } from '../../support/fakes/memory-source';

const TABLE = SOURCE_TABLES.staff;
const KEY = 'staff/20261123T043451123Z-3f9a1c.jsonl';

/** Staff `key` stamped `minute` minutes past 04:00. */
const staff = (key: number, minute = key, extra: MemoryRow = {}): MemoryRow => ({
  staff_id: key,
  first_name: `Ada ${key}`,
  last_updated: `2026-11-23T04:${String(minute).padStart(2, '0')}:00.000000Z`,
  ...extra,
});

/** A source holding `rows` of staff, and the extract of its whole window into `landing`. */
function extractOver(rows: MemoryRow[]) {
  const source = new MemorySource();
  source.insert('staff', ...rows);
  const landing = memoryObjectStore('landing');
  const window = { from: undefined, to: source.now };
  const extract = (parts?: ExtractParts, store: ObjectStore = landing, keepExtra = false) =>
    extractTable(source, store, TABLE, window, KEY, keepExtra, parts);
  /** Each landed object's rows, as JSON. */
  const landed = (keys: readonly string[]) =>
    keys.map((key) =>
      (landing.objects.get(key) ?? Buffer.alloc(0))
        .toString()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as MemoryRow),
    );
  return { source, landing, extract, landed };
}

describe('extractTable lands a window in one snapshot', () => {
  it('as JSON lines of the catalogue columns, and commits', async () => {
    const { source, extract, landed } = extractOver([staff(1), staff(2)]);
    const result = await extract();
    expect(result).toMatchObject({ rows: 2, keys: [KEY], newest: staff(2).last_updated });
    expect(landed(result.keys)[0]?.[1]).toEqual({
      ...Object.fromEntries(TABLE.columns.map((c) => [c.name, null])),
      ...staff(2),
    });
    expect(source.steps).toEqual(['begin', 'commit']);
  });

  it('of no rows as no object at all', async () => {
    const { source, landing, extract } = extractOver([]);
    const result = await extract();
    expect(result).toMatchObject({ rows: 0, bytes: 0, keys: [], newest: null });
    expect(landing.objects.size).toBe(0);
    expect(source.steps).toEqual(['begin', 'commit']);
  });

  it.each<[number, number, number[][]]>([
    [5, 2, [[1, 2], [3, 4], [5]]],
    [
      4,
      2,
      [
        [1, 2],
        [3, 4],
      ],
    ],
    [3, 3, [[1, 2, 3]]],
  ])(
    'of %i rows with partRows %i in parts cut from the one COPY in the order it sent them',
    async (rows, partRows, parts) => {
      // Stamped newest first: parts follow the stream, here the keys, not the stamps.
      const { source, extract, landed } = extractOver(
        Array.from({ length: rows }, (_, i) => staff(i + 1, 30 - i)),
      );
      const result = await extract({ partRows });
      expect(result.rows).toBe(rows);
      expect(result.keys).toEqual(
        parts.map((_, i) => (i === 0 ? KEY : KEY.replace('.jsonl', `.${i}.jsonl`))),
      );
      const keys = landed(result.keys).map((lines) => lines.map((r) => Number(r.staff_id)));
      expect(keys).toEqual(parts);
      expect(source.copies).toEqual([undefined]);
    },
  );

  it('with maxRows, the first rows in (last_updated, key) order, saying where it stopped', async () => {
    const { extract, landed } = extractOver([staff(1, 9), staff(2, 3), staff(3, 3), staff(4, 1)]);
    const result = await extract({ maxRows: 2 });
    expect(result.window.upTo).toEqual({ key: 2, lastUpdated: staff(2, 3).last_updated });
    expect(result.remaining).toBe(2);
    expect(landed(result.keys)[0]?.map((r) => r.staff_id)).toEqual([4, 2]);
  });

  it('with maxRows, a window of exactly the cap whole, with nothing remaining', async () => {
    const { source, extract } = extractOver([staff(1), staff(2)]);
    const result = await extract({ maxRows: 2 });
    expect(result).toMatchObject({ rows: 2, remaining: 0 });
    expect(result.window.upTo).toBeUndefined();
    expect(source.copies).toEqual([{ cap: 2, unordered: false }]);
  });

  it('with maxRows, a table its statistics put under half the cap read without a sort, and again in order when it is over the cap after all', async () => {
    const { source, extract, landed } = extractOver([staff(1, 9), staff(2, 3), staff(3, 1)]);
    source.estimates.set('staff', 0);
    const result = await extract({ maxRows: 2 });
    expect(source.copies).toEqual([{ cap: 2, unordered: true }, { cap: 2 }]);
    expect(result.window.upTo).toEqual({ key: 2, lastUpdated: staff(2, 3).last_updated });
    expect(result.remaining).toBe(1);
    expect(landed(result.keys)[0]?.map((r) => r.staff_id)).toEqual([3, 2]);

    source.estimates.set('staff', 3);
    source.copies.length = 0;
    const fits = await extract({ maxRows: 7 });
    expect(fits.rows).toBe(3);
    expect(source.copies).toEqual([{ cap: 7, unordered: true }]);
  });

  it('with columns the catalogue does not know kept, in lines the source built', async () => {
    const { extract, landed } = extractOver([staff(1, 1, { nickname: 'Countess' })]);
    const kept = await extract(undefined, undefined, true);
    expect(landed(kept.keys)[0]?.[0]).toMatchObject({ nickname: 'Countess' });
    const dropped = await extract();
    expect(landed(dropped.keys)[0]?.[0]).not.toHaveProperty('nickname');
  });
});

describe('extractTable refuses a window it did not land exactly', () => {
  it('when the lines written are not the rows its COPY says it sent: names both, lands no result', async () => {
    const { source, extract } = extractOver([staff(1), staff(2), staff(3)]);
    source.miscount = 1;
    await expect(extract()).rejects.toThrow(
      `Extract of staff wrote 3 lines to s3://landing/${KEY} but its COPY sent 4 rows: the batch is not landed, and the next run reads the window again`,
    );
    // The COPY's count is known only once the read-only snapshot has ended.
    expect(source.steps).toEqual(['begin', 'commit']);
  });

  it('when an upload fails: the failure is passed on, and the snapshot rolled back', async () => {
    const { source, landing, extract } = extractOver([staff(1)]);
    const failing: ObjectStore = {
      ...landing,
      upload: () => Promise.reject(new Error('S3 said no')),
    };
    await expect(extract({}, failing)).rejects.toThrow('S3 said no');
    expect(source.steps).toEqual(['begin', 'rollback']);
  });
});
