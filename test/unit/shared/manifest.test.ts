import {
  batchIdFromManifestKey,
  batchIdOfDeletesKey,
  batchIdOfLandingKey,
  batchTime,
  daysBack,
  isBatchId,
  isLandingKeyOf,
  landingKey,
  manifestKey,
  newBatchId,
  processedDeletesKey,
  processedKey,
  quarantinedTombstonesKey,
} from '../../../lambdas/shared/core/batch';
import {
  landedSummary,
  ManifestError,
  parseLandingManifest,
  parseProcessedManifest,
} from '../../../lambdas/shared/core/manifest';

import { deletesKey } from '../../../contract/source-deletes';

const batchId = '20261123T043451123Z-3f9a1c';

const landing = {
  kind: 'landing',
  version: 1,
  batchId,
  startedAt: '2026-11-23T04:34:51.123Z',
  finishedAt: '2026-11-23T04:34:52.000Z',
  tables: [
    {
      table: 'sales_order',
      keys: ['sales_order/20261123T043451123Z-3f9a1c.jsonl'],
      rows: 3,
      bytes: 300,
      from: '2026-11-23T04:25:00.000Z',
      to: '2026-11-23T04:34:51.100Z',
      newest: '2026-11-23T04:33:00.000Z',
    },
    {
      table: 'staff',
      keys: [],
      rows: 0,
      bytes: 0,
      from: null,
      to: '2026-11-23T04:34:51.100Z',
      newest: null,
    },
  ],
};

describe('batch ids and keys', () => {
  it('orders batch ids by the time they were cut', () => {
    const early = newBatchId(new Date('2026-01-01T00:00:00.000Z'), () => 0.99);
    const late = newBatchId(new Date('2026-01-01T00:00:00.001Z'), () => 0);
    expect(isBatchId(early)).toBe(true);
    expect(early < late).toBe(true);
  });

  it('reads the batch id back from a manifest key', () => {
    expect(batchIdFromManifestKey(manifestKey(batchId))).toBe(batchId);
    expect(batchIdFromManifestKey('sales_order/x.jsonl')).toBeUndefined();
    expect(batchIdFromManifestKey('manifests/../../etc.json')).toBeUndefined();
  });

  it('names table parts apart', () => {
    expect(landingKey('payment', batchId)).toBe(`payment/${batchId}.jsonl`);
    expect(landingKey('payment', batchId, 2)).toBe(`payment/${batchId}.2.jsonl`);
  });

  it('cuts a batch id from the time to the millisecond and six hex digits of chance', () => {
    const at = new Date('2026-11-23T04:34:51.123Z');
    expect(newBatchId(at, () => 0)).toBe('20261123T043451123Z-000000');
    expect(newBatchId(at, () => 0.5)).toBe('20261123T043451123Z-7fffff');
    expect(newBatchId(at, () => 0.0000001)).toBe('20261123T043451123Z-000001');
    expect(batchTime(batchId)).toEqual(new Date('2026-11-23T04:34:51.123Z'));
  });

  it('lists the days from a date back, newest first, as the key prefixes they are', () => {
    expect(daysBack(new Date('2026-03-01T10:00:00.000Z'), 2)).toEqual([
      '20260301',
      '20260228',
      '20260227',
    ]);
  });

  it('reads the batch id of a landing object, whole or one part of a split table', () => {
    expect(batchIdOfLandingKey(`payment/${batchId}.jsonl`)).toBe(batchId);
    expect(batchIdOfLandingKey(`payment/${batchId}.12.jsonl`)).toBe(batchId);
    for (const key of [
      `quarantine/payment/${batchId}.jsonl`,
      `payment/${batchId}.0.jsonl`,
      `payment/${batchId}.json`,
      `payment/x${batchId}.jsonl`,
    ]) {
      expect(batchIdOfLandingKey(key)).toBeUndefined();
    }
    expect(isLandingKeyOf(`payment/${batchId}.2.jsonl`, 'payment', batchId)).toBe(true);
    expect(isLandingKeyOf(`payment/${batchId}.2.jsonl`, 'pay', batchId)).toBe(false);
  });

  it('reads the batch id of a deletes object, which is no table object', () => {
    expect(batchIdOfDeletesKey(`payment/${batchId}.deletes.jsonl`)).toBe(batchId);
    expect(batchIdOfDeletesKey(`payment/${batchId}.jsonl`)).toBeUndefined();
    expect(batchIdOfLandingKey(`payment/${batchId}.deletes.jsonl`)).toBeUndefined();
    // The whole key, from the table's folder to the end.
    expect(batchIdOfDeletesKey(`x/payment/${batchId}.deletes.jsonl`)).toBeUndefined();
    expect(batchIdOfDeletesKey(`payment/${batchId}.deletes.jsonl.bak`)).toBeUndefined();
  });

  it('reads a batch id from a manifest key only with both its prefix and its suffix', () => {
    expect(batchIdFromManifestKey(`manifests/${batchId}.txt`)).toBeUndefined();
    expect(batchIdFromManifestKey(`runs/${batchId}.json`)).toBeUndefined();
    // Prefix and suffix as long as the real ones, so only their text tells them apart.
    expect(batchIdFromManifestKey(`manifestsX${batchId}.json`)).toBeUndefined();
    expect(batchIdFromManifestKey(`manifests/${batchId}xjson`)).toBeUndefined();
    expect(batchIdFromManifestKey(`manifests/${batchId}.json`)).toBe(batchId);
  });
});

const at = { bucket: 'landing', key: manifestKey(batchId) };

describe('manifest timestamps', () => {
  const startedAt = (value: string) => () =>
    parseLandingManifest(JSON.stringify({ ...landing, startedAt: value }), at);

  it.each(['2026-11-23T04:34:51.123Z', '2026-11-23T04:34:51.123456Z'])(
    'take UTC instants with milliseconds or microseconds: %s',
    (good) => expect(startedAt(good)().startedAt).toBe(good),
  );

  it.each([
    '2024-02-29T23:59:59.9999Z',
    '2026-11-23T04:34:51.12Z',
    '2026-11-23T04:34:51.1234567Z',
    '2026-11-23T04:34:51Z',
    '2026-11-23T04:34:51.123',
    '2026-11-23T04:34:51.123+00:00',
    '2026-11-23 04:34:51.123Z',
    '2023-02-29T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-11-23T24:00:00.000Z',
    '2026-11-23T04:60:00.000Z',
    '0000-01-01T00:00:00.000Z',
    'yesterday',
  ])('refuse anything else: %s', (bad) => expect(startedAt(bad)).toThrow(ManifestError));
});

describe('landing manifest', () => {
  const withTable = (change: Record<string, unknown>) =>
    JSON.stringify({ ...landing, tables: [{ ...landing.tables[0], ...change }] });

  it('parses what ingest writes', () => {
    const parsed = parseLandingManifest(JSON.stringify(landing), at);
    expect(parsed.tables.map((t) => [t.table, t.rows, t.from])).toEqual([
      ['sales_order', 3, '2026-11-23T04:25:00.000Z'],
      ['staff', 0, null],
    ]);
  });

  it('takes microseconds as well as milliseconds, and the parts of a split table', () => {
    const parsed = parseLandingManifest(
      withTable({
        to: '2026-11-23T04:34:51.100123Z',
        keys: [landingKey('sales_order', batchId), landingKey('sales_order', batchId, 12)],
      }),
      at,
    );
    expect(parsed.tables[0]!.to).toBe('2026-11-23T04:34:51.100123Z');
    expect(parsed.tables[0]!.keys).toHaveLength(2);
  });

  it("carries a table's tombstones, and refuses another table's or batch's deletes object", () => {
    const deletes = { key: deletesKey('sales_order', batchId), rows: 2 };
    expect(parseLandingManifest(withTable({ deletes }), at).tables[0]!.deletes).toEqual(deletes);
    expect(parseLandingManifest(JSON.stringify(landing), at).tables[0]).not.toHaveProperty(
      'deletes',
    );
    const foreign = deletesKey('staff', batchId);
    expect(() =>
      parseLandingManifest(withTable({ deletes: { key: foreign, rows: 2 } }), at),
    ).toThrow(`tables[0].deletes.key "${foreign}" is not ${deletes.key}`);
    expect(() =>
      parseLandingManifest(withTable({ deletes: { ...deletes, rows: -1 } }), at),
    ).toThrow('tables[0].deletes.rows is not a row or byte count');
  });

  it('refuses an unknown table, a bad count, a wrong kind and non-JSON, naming the manifest', () => {
    expect(() => parseLandingManifest(withTable({ table: 'customers' }), at)).toThrow(
      `Manifest s3://landing/${manifestKey(batchId)} is invalid: tables[0] names unknown table "customers"`,
    );
    expect(() => parseLandingManifest(withTable({ rows: -1 }), at)).toThrow(
      /rows is not a row or byte count/,
    );
    expect(() =>
      parseLandingManifest(JSON.stringify({ ...landing, kind: 'processed' }), at),
    ).toThrow(ManifestError);
    expect(() => parseLandingManifest('{"kind":', at)).toThrow(/not JSON/);
  });

  it('refuses a manifest not tied to the batch its key names', () => {
    const other = '20261123T043451123Z-000000';
    expect(() => parseLandingManifest(JSON.stringify({ ...landing, batchId: 'x' }), at)).toThrow(
      `batchId "x" is not ${batchId}, the batch its key names`,
    );
    expect(() => parseLandingManifest(JSON.stringify({ ...landing, batchId: other }), at)).toThrow(
      `batchId "${other}" is not ${batchId}, the batch its key names`,
    );
    expect(() =>
      parseLandingManifest(JSON.stringify(landing), { bucket: 'landing', key: 'manifests/x.json' }),
    ).toThrow(/its key is not manifests\/<batchId>\.json/);
    for (const key of [
      landingKey('sales_order', other),
      landingKey('payment', batchId),
      `sales_order/${batchId}.0.jsonl`,
      `sales_order/${batchId}.jsonl.bak`,
      `sales_order/${batchId}/../../state/staff.jsonl`,
      `quarantine/sales_order/${batchId}.jsonl`,
    ]) {
      expect(() => parseLandingManifest(withTable({ keys: [key] }), at)).toThrow(
        `tables[0].keys[0] ${JSON.stringify(key)} is not an object of sales_order in batch ${batchId}`,
      );
    }
  });

  it('refuses an unknown version and timestamps that are not UTC instants', () => {
    expect(() => parseLandingManifest(JSON.stringify({ ...landing, version: 2 }), at)).toThrow(
      /version 2 is not 1/,
    );
    expect(() =>
      parseLandingManifest(JSON.stringify({ ...landing, startedAt: 'yesterday' }), at),
    ).toThrow(`startedAt is not a UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ' but "yesterday"`);
    expect(() =>
      parseLandingManifest(JSON.stringify({ ...landing, finishedAt: undefined }), at),
    ).toThrow(/finishedAt is not a UTC timestamp .* but undefined/);
    expect(() => parseLandingManifest(withTable({ to: '2026-11-23 04:34:51' }), at)).toThrow(
      /tables\[0\]\.to is not a UTC timestamp/,
    );
    expect(() => parseLandingManifest(withTable({ from: 17 }), at)).toThrow(
      /tables\[0\]\.from is not a UTC timestamp .* but 17/,
    );
    expect(() =>
      parseLandingManifest(withTable({ newest: '2026-02-30T00:00:00.000Z' }), at),
    ).toThrow(/tables\[0\]\.newest is not a UTC timestamp/);
  });
});

const processed = {
  kind: 'processed',
  version: 1,
  batchId,
  startedAt: '2026-11-23T04:35:00.000Z',
  finishedAt: '2026-11-23T04:35:02.500Z',
  sourceRows: { sales_order: 3 },
  tables: [{ table: 'fact_sales_order', key: processedKey('fact_sales_order', batchId), rows: 3 }],
  newestSourceChange: '2026-11-23T04:33:00.000Z',
  completeUpTo: '2026-11-23T04:34:51.100Z',
  quarantined: [],
};
const processedAt = { bucket: 'processed', key: manifestKey(batchId) };

describe('processed manifest', () => {
  it('parses what transform writes', () => {
    const parsed = parseProcessedManifest(JSON.stringify(processed), processedAt);
    expect(parsed.tables[0]).toEqual({
      table: 'fact_sales_order',
      key: processedKey('fact_sales_order', batchId),
      rows: 3,
    });
    expect(parsed.sourceRows).toEqual({ sales_order: 3 });
    expect(parsed.completeUpTo).toBe('2026-11-23T04:34:51.100Z');
  });

  it('carries what landing held of the batch, and reads a manifest written before it did', () => {
    const landed = {
      startedAt: '2026-11-23T04:34:51.123Z',
      tables: [{ table: 'sales_order', rows: 3, from: null, to: '2026-11-23T04:34:51.000Z' }],
    };
    const carried = parseProcessedManifest(JSON.stringify({ ...processed, landed }), processedAt);
    expect(carried.landed).toEqual(landed);
    expect(parseProcessedManifest(JSON.stringify(processed), processedAt).landed).toBeUndefined();
    const parse = (change: Record<string, unknown>) => () =>
      parseProcessedManifest(
        JSON.stringify({ ...processed, landed: { ...landed, ...change } }),
        processedAt,
      );
    expect(parse({ startedAt: 'soon' })).toThrow(/landed\.startedAt is not a UTC timestamp/);
    expect(parse({ tables: [{ ...landed.tables[0], table: 'sales' }] })).toThrow(
      /landed\.tables\[0\] names unknown table "sales"/,
    );
    expect(parse({ tables: [{ ...landed.tables[0], rows: -1 }] })).toThrow(
      /landed\.tables\[0\]\.rows is not a row or byte count/,
    );
  });

  it("carries each table's tombstones for the load, and refuses another table's or batch's", () => {
    const deletes = [
      {
        source: 'sales_order',
        table: 'fact_sales_order',
        key: processedDeletesKey('fact_sales_order', batchId),
        rows: 2,
        setAside: 1,
        quarantineKey: quarantinedTombstonesKey('sales_order', batchId),
      },
      { source: 'staff', table: 'dim_staff', rows: 0, setAside: 3 },
      { source: 'department', rows: 0, setAside: 1 },
    ];
    const parse = (list: unknown) => () =>
      parseProcessedManifest(JSON.stringify({ ...processed, deletes: list }), processedAt);
    expect(parse(deletes)().deletes).toEqual(deletes);
    expect(parseProcessedManifest(JSON.stringify(processed), processedAt).deletes).toBeUndefined();
    const first = deletes[0]!;
    expect(parse({})).toThrow(/deletes is not a list/);
    expect(parse([{ ...first, source: 'sales' }])).toThrow(
      /deletes\[0\]\.source names unknown table "sales"/,
    );
    expect(parse([{ ...first, table: 'dim_staff' }])).toThrow(
      /deletes\[0\]\.table "dim_staff" is not where sales_order's keys live \(fact_sales_order\)/,
    );
    expect(parse([{ ...first, source: 'department', table: 'dim_staff' }])).toThrow(
      /is not where department's keys live \(none\)/,
    );
    const foreign = processedDeletesKey('fact_sales_order', '20261123T043451123Z-000000');
    expect(parse([{ ...first, key: foreign }])).toThrow(`deletes[0].key "${foreign}" is not`);
    expect(parse([{ ...first, key: undefined }])).toThrow(
      /deletes\[0\] counts 2 tombstones but names no object/,
    );
    expect(parse([{ ...first, setAside: -1 }])).toThrow(/deletes\[0\]\.setAside is not a row/);
    expect(parse([{ ...first, rows: '2' }])).toThrow(/deletes\[0\]\.rows is not a row/);
  });

  it('names the field of a tombstone entry that is not a string, and a key for no warehouse row', () => {
    const first = {
      source: 'sales_order',
      table: 'fact_sales_order',
      key: processedDeletesKey('fact_sales_order', batchId),
      rows: 2,
      setAside: 0,
    };
    const parse = (entry: Record<string, unknown>) => () =>
      parseProcessedManifest(JSON.stringify({ ...processed, deletes: [entry] }), processedAt);
    for (const field of ['source', 'table', 'key', 'quarantineKey']) {
      expect(parse({ ...first, [field]: 7 })).toThrow(`: deletes[0].${field} is not a string.`);
    }
    expect(parse({ ...first, table: undefined })).toThrow(
      "deletes[0].table absent is not where sales_order's keys live (fact_sales_order)",
    );
    expect(parse({ source: 'department', key: 'x', rows: 0, setAside: 0 })).toThrow(
      'deletes[0].key "x" is not expected: the table has no warehouse row',
    );
  });

  it('carries the rows set aside per table, naming the field of one that is not', () => {
    const quarantinedRows = [
      { table: 'sales_order', rows: 2, quarantineKey: 'quarantine/x.jsonl', first: [] },
    ];
    const parse = (value: unknown) => () =>
      parseProcessedManifest(JSON.stringify({ ...processed, quarantinedRows: value }), processedAt);
    expect(parse(quarantinedRows)().quarantinedRows).toEqual(quarantinedRows);
    expect(parse({})).toThrow(': quarantinedRows is not a list.');
    expect(parse([{ ...quarantinedRows[0], rows: 'x' }])).toThrow(
      ': quarantinedRows[0].rows is not a row',
    );
    expect(parse([{ ...quarantinedRows[0], quarantineKey: 7 }])).toThrow(
      ': quarantinedRows[0].quarantineKey is not a string.',
    );
  });

  it('names the landed schema changes, and a landed deletes key, where they are not one', () => {
    const landed = { startedAt: '2026-11-23T04:34:51.123Z', tables: [], schemaChanges: {} };
    expect(() =>
      parseProcessedManifest(JSON.stringify({ ...processed, landed }), processedAt),
    ).toThrow(': landed.schemaChanges is not a list.');
    const withDeletes = {
      ...landing,
      tables: [{ ...landing.tables[0], deletes: { key: 7, rows: 1 } }],
    };
    expect(() => parseLandingManifest(JSON.stringify(withDeletes), at)).toThrow(
      ': tables[0].deletes.key is not a string.',
    );
  });

  it('refuses null, not only a list or a number, as the manifest', () => {
    expect(() => parseProcessedManifest('null', processedAt)).toThrow(
      ': the manifest is not an object.',
    );
  });

  it('carries the tombstones landing held per table, when it held any', () => {
    const landed = {
      startedAt: '2026-11-23T04:34:51.123Z',
      tables: [
        {
          table: 'sales_order',
          rows: 0,
          from: null,
          to: '2026-11-23T04:34:51.000Z',
          tombstones: 2,
        },
      ],
    };
    const parse = (tables: unknown) => () =>
      parseProcessedManifest(
        JSON.stringify({ ...processed, landed: { ...landed, tables } }),
        processedAt,
      );
    expect(parse(landed.tables)().landed).toEqual(landed);
    expect(parse([{ ...landed.tables[0], tombstones: 1.5 }])).toThrow(
      /landed\.tables\[0\]\.tombstones is not a row or byte count/,
    );
    const withDeletes = {
      ...landing,
      tables: [
        { ...landing.tables[0], deletes: { key: deletesKey('sales_order', batchId), rows: 2 } },
      ],
    };
    expect(
      landedSummary(parseLandingManifest(JSON.stringify(withDeletes), at)).tables[0],
    ).toMatchObject({ table: 'sales_order', tombstones: 2 });
  });

  it('hands on the counts, windows and start of a landing manifest, and nothing else', () => {
    expect(landedSummary(parseLandingManifest(JSON.stringify(landing), at))).toEqual({
      startedAt: '2026-11-23T04:34:51.123Z',
      tables: [
        {
          table: 'sales_order',
          rows: 3,
          from: '2026-11-23T04:25:00.000Z',
          to: '2026-11-23T04:34:51.100Z',
        },
        { table: 'staff', rows: 0, from: null, to: '2026-11-23T04:34:51.100Z' },
      ],
    });
  });

  it("refuses another batch's id or object, and timestamps that are not UTC instants", () => {
    const other = '20261123T043451123Z-000000';
    const parse = (change: Record<string, unknown>) => () =>
      parseProcessedManifest(JSON.stringify({ ...processed, ...change }), processedAt);
    expect(parse({ batchId: other })).toThrow(`batchId "${other}" is not ${batchId}`);
    expect(
      parse({ tables: [{ ...processed.tables[0], key: processedKey('fact_sales_order', other) }] }),
    ).toThrow(
      `tables[0].key "${processedKey('fact_sales_order', other)}" is not ${processedKey('fact_sales_order', batchId)}`,
    );
    expect(parse({ tables: [{ ...processed.tables[0], table: 'dim_staff' }] })).toThrow(
      /tables\[0\]\.key .* is not dim_staff\//,
    );
    expect(parse({ startedAt: 'a' })).toThrow(/startedAt is not a UTC timestamp/);
    expect(parse({ completeUpTo: '2026-11-23T04:34:51.1Z' })).toThrow(
      /completeUpTo is not a UTC timestamp/,
    );
    expect(parse({ version: '1' })).toThrow(/version "1" is not 1/);
  });
});

/** The path of every value in `value` below the root, in the notation the parser names them by. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`${prefix}[${i}]`, v])
    : typeof value === 'object' && value !== null
      ? Object.entries(value).map(([k, v]) => [prefix ? `${prefix}.${k}` : k, v])
      : [];
  return entries.flatMap(([path, v]) => [path, ...fieldPaths(v, path)]);
}

/** A copy of `value` with the value at `path` put through `change`. */
function changedAt(value: unknown, path: string, change: (old: unknown) => unknown): unknown {
  // Through JSON, not structuredClone, which would keep a value shared by two fields shared.
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const steps = path.match(/[^.[\]]+/g) ?? [];
  let node = copy;
  for (const step of steps.slice(0, -1)) node = node[step] as Record<string, unknown>;
  const last = steps.at(-1) as string;
  node[last] = change(node[last]);
  return copy;
}

/**
 * Every field of `manifest` is checked and named: given a value of the wrong shape (text for a
 * list or an object, an object for anything else), `parse` refuses the manifest with a
 * ManifestError for `where` whose problem begins with that field's path.
 */
function expectEveryFieldChecked(
  manifest: unknown,
  parse: (text: string) => unknown,
  where: string,
): void {
  const paths = fieldPaths(manifest);
  const prefix = `Manifest ${where} is invalid: `;
  const outcomes = paths.map((path) => {
    const wrong = changedAt(manifest, path, (old) =>
      typeof old === 'object' && old !== null ? 'wrong' : { wrong: true },
    );
    try {
      parse(JSON.stringify(wrong));
      return [path, 'accepted'];
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      expect(error.name).toBe('ManifestError');
      const problem = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : '';
      return [path, problem.startsWith(`${path} `) ? 'named' : error.message];
    }
  });
  expect(outcomes).toEqual(paths.map((path) => [path, 'named']));
}

describe('every field of a manifest', () => {
  const cursor = { lastUpdated: '2026-11-23T04:30:00.000000Z', key: 41 };

  it('is checked and named in a landing manifest, capped and backfill tables included', () => {
    const [sales, staff] = landing.tables;
    const manifest = {
      ...landing,
      tables: [
        { ...sales, upTo: cursor, remaining: 1200, remainingEstimated: true },
        { ...staff, after: cursor },
      ],
    };
    expectEveryFieldChecked(
      manifest,
      (text) => parseLandingManifest(text, at),
      `s3://landing/${manifestKey(batchId)}`,
    );
  });

  it('is checked and named in a processed manifest, what landing held included', () => {
    // The quarantined list is taken as written, not checked field by field: left out here.
    const { quarantined: _quarantined, ...checked } = processed;
    const manifest = {
      ...checked,
      landed: {
        startedAt: '2026-11-23T04:34:51.123Z',
        tables: [{ table: 'sales_order', rows: 3, from: null, to: '2026-11-23T04:34:51.000Z' }],
      },
    };
    expectEveryFieldChecked(
      manifest,
      (text) => parseProcessedManifest(text, processedAt),
      `s3://processed/${manifestKey(batchId)}`,
    );
    const { newestSourceChange: _, completeUpTo: __, ...older } = manifest;
    expect(parseProcessedManifest(JSON.stringify(older), processedAt)).toMatchObject({
      newestSourceChange: null,
      completeUpTo: null,
    });
  });

  it('is shown in full up to 100 characters, and cut after 100 when longer', () => {
    const kindOf = (kind: string) =>
      (() => {
        try {
          parseLandingManifest(JSON.stringify({ ...landing, kind }), at);
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      })();
    expect(kindOf('k'.repeat(98))).toContain(`kind is "${'k'.repeat(98)}", not landing`);
    expect(kindOf('k'.repeat(150))).toContain(`kind is "${'k'.repeat(99)}…, not landing`);
  });
});

describe("a manifest's schema changes", () => {
  const dropped = {
    table: 'payment',
    column: 'company_ac_number',
    change: 'dropped',
    before: 'integer',
    after: null,
    firstSeen: '2026-11-23T04:30:00.000Z',
  };
  const added = { ...dropped, column: 'note', change: 'added', before: null, after: 'text' };
  const resized = {
    ...dropped,
    table: 'sales_order',
    column: 'unit_price',
    change: 'resized',
    before: 'numeric(10,2)',
    after: 'numeric(12,4)',
  };
  const landingWith = (schemaChanges: unknown) =>
    parseLandingManifest(JSON.stringify({ ...landing, schemaChanges }), at);

  it('are carried from landing to the processed manifest, and absent when the columns agree', () => {
    const parsed = landingWith([dropped, added, resized]);
    expect(parsed.schemaChanges).toEqual([dropped, added, resized]);
    expect(landedSummary(parsed).schemaChanges).toEqual([dropped, added, resized]);
    expect(parseLandingManifest(JSON.stringify(landing), at)).not.toHaveProperty('schemaChanges');
    expect(landedSummary(parseLandingManifest(JSON.stringify(landing), at))).not.toHaveProperty(
      'schemaChanges',
    );
    const processedText = JSON.stringify({ ...processed, landed: landedSummary(parsed) });
    expect(parseProcessedManifest(processedText, processedAt).landed?.schemaChanges).toEqual([
      dropped,
      added,
      resized,
    ]);
  });

  it.each([
    ['not a list', {}, /schemaChanges is not a list/],
    ['an unknown table', [{ ...dropped, table: 'customers' }], /\[0\] names no source table/],
    ['no column', [{ ...added, column: '' }], /\[0\] names no column/],
    ['an unknown change', [{ ...dropped, change: 'renamed' }], /\[0\] change is not one of/],
    [
      'a dropped column with a type after',
      [{ ...dropped, after: 'text' }],
      /do not fit a column dropped/,
    ],
    [
      'an added column with a type before',
      [{ ...added, before: 'text' }],
      /do not fit a column added/,
    ],
    [
      'a resized column without a type after',
      [{ ...resized, after: null }],
      /do not fit a column resized/,
    ],
    [
      'a resized column without a type before',
      [{ ...resized, before: null }],
      /do not fit a column resized/,
    ],
    ['a type that is no text', [{ ...added, after: 7 }], /before or after is not a type or null/],
    ['a first sighting that is no time', [{ ...added, firstSeen: 'monday' }], /firstSeen is not/],
  ])('are refused, naming the entry, for %s', (_, schemaChanges, problem) => {
    expect(() => landingWith(schemaChanges)).toThrow(problem);
    expect(() =>
      parseProcessedManifest(
        JSON.stringify({
          ...processed,
          landed: { startedAt: landing.startedAt, tables: [], schemaChanges },
        }),
        processedAt,
      ),
    ).toThrow(ManifestError);
  });
});
