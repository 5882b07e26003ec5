import type { MetricPoint } from '../../contract/metrics';
import type { IngestRun } from './stage';

/**
 * The metrics of a successful ingest run. A failed run emits none: the missing
 * `IngestSucceeded` is what the ingest-not-succeeding alarm watches for.
 *
 * @example
 * addMetrics(metrics, metricsOf(run));
 */
export function metricsOf(run: IngestRun): MetricPoint<'ingest'>[] {
  return [
    { name: 'RowsIngested', value: run.manifest.tables.reduce((sum, t) => sum + t.rows, 0) },
    { name: 'IngestSucceeded', value: 1 },
    { name: 'UnfinishedObjectsRemoved', value: run.removed.keys.length },
    { name: 'FutureStampedRows', value: run.futureStamped.reduce((sum, t) => sum + t.rows, 0) },
    { name: 'SourceClockStepBack', value: run.zoneStepBack?.seconds ?? 0 },
    { name: 'StageDurationMs', value: run.seconds * 1000 },
    ...(run.backlog === 'next-batch-started'
      ? [{ name: 'BacklogBatchStarted' as const, value: 1 }]
      : []),
  ];
}
