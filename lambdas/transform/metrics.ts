import type { MetricPoint } from '../../contract/metrics';
import type { TransformRun } from './stage';

/**
 * The metrics of one transformed batch (a batch found already done counts no rows).
 *
 * @example
 * transformStage({ ...options, onRun: (run) => addMetrics(metrics, metricsOf(run)) });
 */
export function metricsOf(run: TransformRun): MetricPoint<'transform'>[] {
  return [
    { name: 'RowsTransformed', value: run.manifest?.tables.reduce((s, t) => s + t.rows, 0) ?? 0 },
    { name: 'QuarantinedObjects', value: run.manifest?.quarantined.length ?? 0 },
    {
      name: 'QuarantinedRows',
      value: (run.manifest?.quarantinedRows ?? []).reduce((s, q) => s + q.rows, 0),
    },
    { name: 'StageDurationMs', value: run.seconds * 1000 },
  ];
}

/**
 * The gauge of the batches parked at the transform, neither replayed nor purged: its alarm stays
 * on while there is one.
 *
 * @example
 * transformStage({ ...options, onParked: (ids) => addMetrics(metrics, parkedMetricsOf(ids)) });
 */
export function parkedMetricsOf(batchIds: readonly string[]): MetricPoint<'transform'>[] {
  return [{ name: 'ParkedBatches', value: batchIds.length }];
}
