import type { MetricPoint } from '../../contract/metrics';
import { ReconciliationError } from '../shared/core/reconcile';
import type { LoadReport } from './load-stage';

const secondsBetween = (from: string, to: string) =>
  Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/**
 * The metrics of one report of the load: rows, duration and lag of a batch loaded (a batch
 * found already loaded has no lag: it reached the warehouse earlier), a mismatch of a batch
 * refused for its counts, the gaps found before a batch, and, once the invocation is done, the
 * batches parked and the warehouse's freshness.
 *
 * @example
 * loadStage({ ...options, onReport: (report) => addMetrics(metrics, metricsOf(report)) });
 */
export function metricsOf(report: LoadReport): MetricPoint<'load'>[] {
  switch (report.kind) {
    case 'ran': {
      const { run } = report;
      return [
        { name: 'RowsLoaded', value: run.tables.reduce((s, t) => s + t.written, 0) },
        { name: 'StageDurationMs', value: run.seconds * 1000 },
        ...(!run.skipped && run.landedAt
          ? [
              {
                name: 'BatchLagSeconds' as const,
                value: secondsBetween(run.landedAt, run.finishedAt),
              },
            ]
          : []),
      ];
    }
    case 'failed':
      return report.error instanceof ReconciliationError
        ? [{ name: 'ReconciliationMismatch', value: 1 }]
        : [];
    case 'gaps':
      return [{ name: 'BatchSequenceGap', value: report.gaps.length }];
    case 'parked':
      return [{ name: 'ParkedBatches', value: report.batchIds.length }];
    case 'finished':
      return report.completeUpTo
        ? [
            {
              name: 'WarehouseFreshnessSeconds',
              value: secondsBetween(report.completeUpTo, report.at),
            },
          ]
        : [];
  }
}
