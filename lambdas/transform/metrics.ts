import type { MetricPoint } from '../../contract/metrics';
import type { TransformReport } from './transform-stage';

/**
 * The metrics of one report of the transform: rows, quarantines and duration of a batch
 * transformed (a batch found already done counts no rows), and the gauge of the batches parked
 * at the transform, neither replayed nor purged (its alarm stays on while there is one).
 *
 * @example
 * transformStage({ ...options, onReport: (report) => addMetrics(metrics, metricsOf(report)) });
 */
export function metricsOf(report: TransformReport): MetricPoint<'transform'>[] {
  if (report.kind === 'parked') return [{ name: 'ParkedBatches', value: report.batchIds.length }];
  if (report.kind === 'failed') return [];
  const { run } = report;
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
