import { PIPELINE_STAGES, type FutureStamped } from '../../lambdas/shared/ports/run-log';
import { formatTable } from '../table-format';
import { terminalText } from '../terminal-text';
import { watermarkText, type PipelineStatus, type StageRun } from './pipeline-status';

/** `3 m 20 s`-style ages and durations; a dash for unknown. */
export function formatSeconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 60) return `${value.toFixed(value < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(value / 60);
  if (minutes < 60) return `${minutes} m ${Math.round(value % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} m`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** `2026-11-23T04:30:00.000000Z (3 m 20 s)`: a source time and how long ago it was. */
function ageText(at: string | null, age: number | null): string {
  return at === null ? '—' : `${at} (${formatSeconds(age)})`;
}

function stageCell(run: StageRun): string {
  if (run.state === 'none') return '—';
  const cell = run.seconds === null ? run.state : `${run.state} ${formatSeconds(run.seconds)}`;
  return run.setAside ? `${cell}, ${run.setAside} row(s) set aside` : cell;
}

/**
 * The terminal form of `deliverance status`: tables, warehouse, recent runs, failures, parked
 * batches, gaps.
 */
export function formatStatusText(status: PipelineStatus): string {
  const tables = Object.entries(status.tables).map(([name, t]) => [
    name,
    watermarkText(t),
    t.lastBatchId ?? '—',
    t.lastRows ?? '—',
    t.lastRowsBatchId ?? '—',
    ageText(t.completeUpTo, t.freshnessSeconds),
    formatSeconds(t.newestChangeAgeSeconds),
    ...PIPELINE_STAGES.map((stage) => (t.stages[stage] === 'none' ? '—' : t.stages[stage])),
  ]);
  const w = status.warehouse;
  const runs = status.runs.map((run) => [
    run.batchId,
    ...PIPELINE_STAGES.map((stage) => stageCell(run.stages[stage])),
    run.stages.ingest.rows ?? '—',
  ]);
  const lines = [
    terminalText(
      `Deliverance status${status.environment ? ` of ${status.environment}` : ''} at ${status.generatedAt}`,
    ),
    '',
    formatTable(
      [
        'table',
        'watermark',
        'last batch',
        'rows',
        'in batch',
        'complete up to (age)',
        'newest change',
        'ingest',
        'transform',
        'load',
      ],
      tables,
    ),
    '',
    w.lastLoadedBatchId
      ? terminalText(
          `warehouse: complete up to ${ageText(w.completeUpTo, w.freshnessSeconds)}; last loaded batch ${w.lastLoadedBatchId} at ${w.loadedAt ?? '—'}; newest source change ${w.newestSourceChange ?? '—'} (${formatSeconds(w.newestChangeAgeSeconds)} ago)`,
        )
      : 'warehouse: nothing loaded yet',
    '',
    `recent runs (newest first, ${status.runs.length}):`,
    runs.length > 0
      ? formatTable(['batch', 'ingest', 'transform', 'load', 'rows landed'], runs)
      : '  none recorded',
    '',
  ];
  if (status.deadLetters) {
    lines.push(
      terminalText(
        `dead-letter queues: ${status.deadLetters.map((q) => `${q.name} ${q.messages}`).join(', ')}${status.deadLetters.some((q) => q.messages > 0) ? ' (deliverance redrive sends them back)' : ''}`,
      ),
    );
  }
  if (status.alarms) {
    const firing = status.alarms.filter((a) => a.state !== 'OK');
    lines.push(
      firing.length === 0
        ? `alarms: all ${status.alarms.length} OK`
        : `alarms (${firing.length} not OK of ${status.alarms.length}):`,
    );
    for (const a of firing) {
      lines.push(terminalText(`  ${a.name} ${a.state} since ${a.since ?? '—'}: ${a.reason ?? ''}`));
    }
  }
  if (status.deadLetters || status.alarms) lines.push('');
  if (status.failures.length > 0) {
    lines.push(`failures (${status.failures.length}):`);
    for (const f of status.failures) {
      lines.push(terminalText(`  ${f.batchId} ${f.stage} at ${f.at}: ${f.error}`));
    }
  } else {
    lines.push('failures: none');
  }
  if (status.parked.length > 0) {
    lines.push('', `parked batches (${status.parked.length}), waiting for a missing object:`);
    for (const p of status.parked) lines.push(`  ${p.batchId} ${p.stage} at ${p.at}: ${p.error}`);
  }
  const future = Object.values(status.tables).flatMap((t) =>
    t.futureStamped ? [t.futureStamped] : [],
  );
  if (future.length > 0) {
    lines.push('', "rows stamped later than the source's clock, not read until their time comes:");
    for (const f of future) lines.push(`  ${futureStampedText(f)}`);
  }
  if (status.gaps.length > 0) {
    lines.push('', `gaps in the batch sequence (${status.gaps.length}):`);
    for (const g of status.gaps) {
      lines.push(
        terminalText(
          `  ${g.batchId} was never through ${g.missing} although ${g.laterBatchId} was: deliverance replay --batch ${g.batchId} --stage ${g.missing}`,
        ),
      );
    }
  }
  return lines.join('\n');
}

/** `payment: 2 rows, key 17 at 9999-12-31T00:00:00.000000Z, …`: a table's future-stamped rows. */
export function futureStampedText(future: FutureStamped): string {
  const keys = future.keys.map((k) => `key ${k.key} at ${k.lastUpdated}`);
  const more =
    future.rows > future.keys.length ? [`… ${future.rows - future.keys.length} more`] : [];
  return `${future.table}: ${future.rows} row${future.rows === 1 ? '' : 's'}, ${[...keys, ...more].join(', ')}`;
}
