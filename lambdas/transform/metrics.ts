import type { MetricPoint } from '../../contract/metrics';
import { ParkedBatchError } from '../shared/parked-batch';
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
 * The metrics of one failed transform: a batch parked for a missing object counts.
 *
 * @example
 * transformStage({ ...options, onFailure: (error) => addMetrics(metrics, failureMetricsOf(error)) });
 */
export function failureMetricsOf(error: unknown): MetricPoint<'transform'>[] {
  return error instanceof ParkedBatchError ? [{ name: 'BatchParked', value: 1 }] : [];
}
