import {
  batchIdFromManifestKey,
  isBatchId,
  landingKey,
  manifestKey,
  newBatchId,
} from '../../../lambdas/shared/core/batch';
import {
  ManifestError,
  parseLandingManifest,
  parseProcessedManifest,
} from '../../../lambdas/shared/core/manifest';

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
});

describe('landing manifest', () => {
  it('parses what ingest writes', () => {
    const parsed = parseLandingManifest(JSON.stringify(landing), 'm');
    expect(parsed.tables.map((t) => [t.table, t.rows, t.from])).toEqual([
      ['sales_order', 3, '2026-11-23T04:25:00.000Z'],
      ['staff', 0, null],
    ]);
  });

  it('refuses an unknown table, a bad count, a wrong kind and non-JSON, naming the manifest', () => {
    const withTable = (table: string) =>
      JSON.stringify({ ...landing, tables: [{ ...landing.tables[0], table }] });
    expect(() => parseLandingManifest(withTable('customers'), 's3://b/manifests/x.json')).toThrow(
      'Manifest s3://b/manifests/x.json is invalid: tables[0] names unknown table "customers"',
    );
    expect(() =>
      parseLandingManifest(
        JSON.stringify({ ...landing, tables: [{ ...landing.tables[0], rows: -1 }] }),
        'm',
      ),
    ).toThrow(/rows is not a row or byte count/);
    expect(() =>
      parseLandingManifest(JSON.stringify({ ...landing, kind: 'processed' }), 'm'),
    ).toThrow(ManifestError);
    expect(() => parseLandingManifest('{"kind":', 'm')).toThrow(/not JSON/);
    expect(() => parseLandingManifest(JSON.stringify({ ...landing, batchId: 'x' }), 'm')).toThrow(
      /batchId x is malformed/,
    );
  });
});

describe('processed manifest', () => {
  it('parses what transform writes', () => {
    const parsed = parseProcessedManifest(
      JSON.stringify({
        kind: 'processed',
        version: 1,
        batchId,
        startedAt: 'a',
        finishedAt: 'b',
        sourceRows: { sales_order: 3 },
        tables: [{ table: 'fact_sales_order', key: 'fact_sales_order/x.parquet', rows: 3 }],
        newestSourceChange: '2026-11-23T04:33:00.000Z',
        completeUpTo: '2026-11-23T04:34:51.100Z',
        quarantined: [],
      }),
      'm',
    );
    expect(parsed.tables[0]).toEqual({
      table: 'fact_sales_order',
      key: 'fact_sales_order/x.parquet',
      rows: 3,
    });
    expect(parsed.sourceRows).toEqual({ sales_order: 3 });
    expect(parsed.completeUpTo).toBe('2026-11-23T04:34:51.100Z');
  });
});
