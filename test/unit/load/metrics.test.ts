import { metricsOf } from '../../../lambdas/load/metrics';
import type { LoadRun } from '../../../lambdas/load/load-stage';
import { ReconciliationError } from '../../../lambdas/shared/core/reconcile';

const BATCH = '20261123T043451123Z-3f9a1c';

function run(change: Partial<LoadRun> = {}): LoadRun {
  return {
    batchId: BATCH,
    skipped: false,
    tables: [
      { table: 'dim_staff', staged: 3, written: 1 },
      { table: 'fact_payment', staged: 5, written: 5 },
    ],
    newestSourceChange: null,
    completeUpTo: '2026-11-23T04:30:00.000Z',
    seconds: 2,
    landedAt: '2026-11-23T04:34:51.000Z',
    finishedAt: '2026-11-23T04:35:21.500Z',
    ...change,
  };
}

describe('load metrics', () => {
  it('counts the rows written, the duration, and the lag since the batch landed', () => {
    expect(metricsOf({ kind: 'ran', run: run() })).toEqual([
      { name: 'RowsLoaded', value: 6 },
      { name: 'StageDurationMs', value: 2000 },
      { name: 'BatchLagSeconds', value: 30.5 },
    ]);
  });

  it('measures no lag of a batch already loaded, nor of one whose manifest carries no landing', () => {
    const names = (r: LoadRun) => metricsOf({ kind: 'ran', run: r }).map((m) => m.name);
    expect(names(run({ skipped: true }))).toEqual(['RowsLoaded', 'StageDurationMs']);
    expect(names(run({ landedAt: undefined }))).toEqual(['RowsLoaded', 'StageDurationMs']);
  });

  it('counts a batch refused for its counts as a mismatch, and no other failure', () => {
    expect(
      metricsOf({ kind: 'failed', error: new ReconciliationError('does not reconcile') }),
    ).toEqual([{ name: 'ReconciliationMismatch', value: 1 }]);
    expect(metricsOf({ kind: 'failed', error: new Error('connection refused') })).toEqual([]);
  });

  it('counts the gaps found', () => {
    const gap = { batchId: BATCH, missing: 'load' as const, laterBatchId: BATCH };
    expect(metricsOf({ kind: 'gaps', gaps: [gap, gap] })).toEqual([
      { name: 'BatchSequenceGap', value: 2 },
    ]);
  });

  it('gauges the batches parked at the load, none included, so the alarm clears once none is left', () => {
    expect(
      metricsOf({ kind: 'parked', batchIds: [BATCH, BATCH.replace('3f9a1c', '3f9a1d')] }),
    ).toEqual([{ name: 'ParkedBatches', value: 2 }]);
    expect(metricsOf({ kind: 'parked', batchIds: [] })).toEqual([
      { name: 'ParkedBatches', value: 0 },
    ]);
  });

  it('reads the freshness once at the end, from the newest time the warehouse is complete up to', () => {
    expect(
      metricsOf({
        kind: 'finished',
        completeUpTo: '2026-11-23T04:30:00.000Z',
        at: '2026-11-23T04:40:00.000Z',
      }),
    ).toEqual([{ name: 'WarehouseFreshnessSeconds', value: 600 }]);
    expect(metricsOf({ kind: 'finished', at: '2026-11-23T04:40:00.000Z' })).toEqual([]);
  });
});
