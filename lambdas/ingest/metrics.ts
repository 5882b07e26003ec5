import type { MetricPoint } from '../../contract/metrics';
import type { IngestReport } from './ingest-stage';

/**
 * The metrics of an ingest run. A failed run emits none: the missing `IngestSucceeded` is what
 * the ingest-not-succeeding alarm watches for.
 *
 * @example
 * ingestStage({ ...options, onReport: (report) => addMetrics(metrics, metricsOf(report)) });
 */
export function metricsOf(report: IngestReport): MetricPoint<'ingest'>[] {
  if (report.kind === 'failed') return [];
  const { run } = report;
  return [
    { name: 'RowsIngested', value: run.manifest.tables.reduce((sum, t) => sum + t.rows, 0) },
    { name: 'IngestSucceeded', value: 1 },
    { name: 'UnfinishedObjectsRemoved', value: run.removed.keys.length },
    { name: 'FutureStampedRows', value: run.futureStamped.reduce((sum, t) => sum + t.rows, 0) },
    { name: 'SourceClockStepBack', value: run.zoneStepBack?.seconds ?? 0 },
    { name: 'SchemaChangeStoppedTables', value: run.schema.stopped.length },
    { name: 'StageDurationMs', value: run.seconds * 1000 },
    ...(run.deletes
      ? [
          {
            name: 'TombstonesLanded' as const,
            value: run.deletes.tables.reduce((sum, t) => sum + t.landed, 0),
          },
          { name: 'DeletesHeld' as const, value: run.deletes.heldKeys },
        ]
      : []),
    ...(run.backlog === 'next-batch-started'
      ? [{ name: 'BacklogBatchStarted' as const, value: 1 }]
      : []),
  ];
}
