import type { TransformRun } from '../../../lambdas/transform/transform-stage';
import { metricsOf } from '../../../lambdas/transform/metrics';

const BATCH = '20261123T043451123Z-3f9a1c';

describe('transform metrics', () => {
  it('counts the rows written, the objects quarantined, the rows set aside and the duration', () => {
    const run: TransformRun = {
      batchId: BATCH,
      skipped: false,
      manifestKey: `manifests/${BATCH}.json`,
      seconds: 0.25,
      manifest: {
        kind: 'processed',
        version: 1,
        batchId: BATCH,
        startedAt: '2026-11-23T04:34:53.000Z',
        finishedAt: '2026-11-23T04:34:54.000Z',
        sourceRows: { staff: 2, sales_order: 5 },
        tables: [
          { table: 'dim_staff', key: `dim_staff/${BATCH}.parquet`, rows: 2 },
          { table: 'fact_sales_order', key: `fact_sales_order/${BATCH}.parquet`, rows: 4 },
        ],
        newestSourceChange: null,
        completeUpTo: null,
        quarantined: [
          { source: `sales_order/${BATCH}.jsonl`, quarantineKey: 'q', reason: 'line 2' },
        ],
        quarantinedRows: [
          { table: 'payment', rows: 2, quarantineKey: 'p', first: [] },
          { table: 'design', rows: 1, quarantineKey: 'd', first: [] },
        ],
      },
    };
    expect(metricsOf({ kind: 'ran', run })).toEqual([
      { name: 'RowsTransformed', value: 6 },
      { name: 'QuarantinedObjects', value: 1 },
      { name: 'QuarantinedRows', value: 3 },
      { name: 'StageDurationMs', value: 250 },
    ]);
  });

  it('counts no rows for a batch found already transformed', () => {
    const skipped: TransformRun = {
      batchId: BATCH,
      skipped: true,
      manifestKey: `manifests/${BATCH}.json`,
      manifest: undefined,
      seconds: 0.01,
    };
    expect(metricsOf({ kind: 'ran', run: skipped }).slice(0, 3)).toEqual([
      { name: 'RowsTransformed', value: 0 },
      { name: 'QuarantinedObjects', value: 0 },
      { name: 'QuarantinedRows', value: 0 },
    ]);
  });

  it('gauges the batches parked at the transform, none included, so the alarm clears once none is left', () => {
    expect(metricsOf({ kind: 'parked', batchIds: [BATCH] })).toEqual([
      { name: 'ParkedBatches', value: 1 },
    ]);
    expect(metricsOf({ kind: 'parked', batchIds: [] })).toEqual([
      { name: 'ParkedBatches', value: 0 },
    ]);
  });
});
