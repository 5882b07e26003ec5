import type { BackfillProgress } from '../local/backfill-progress';
import type { CycleResult } from '../local/run-cycle';
import { futureStampedText } from './status/format-status-text';
import { formatTable } from './table-format';
import { terminalText } from './terminal-text';
import { zoneStepText } from '../lambdas/ingest/zone-step';
import { schemaChangeText } from '../lambdas/shared/core/schema-changes';
import { runDeletesOf, runDeletesText } from './run-deletes';

/** The per-table story of one cycle: rows landed, shaped and written to the warehouse. */
export function formatCycleSummary(cycle: CycleResult): string {
  const { ingest, transform, load } = cycle;
  const landed = ingest.manifest.tables.map((t) => [
    t.table,
    t.rows,
    t.bytes,
    t.from ?? '(full)',
    t.to,
  ]);
  const written = new Map(load.tables.map((t) => [t.table, t]));
  const shaped = (transform.manifest?.tables ?? []).map((t) => [
    t.table,
    t.rows,
    written.get(t.table)?.written ?? 0,
  ]);
  const quarantined = transform.manifest?.quarantined ?? [];
  const setAside = transform.manifest?.quarantinedRows ?? [];
  const deletes = runDeletesOf([ingest]);
  return [
    terminalText(`batch ${ingest.batchId}`),
    '',
    `ingest (${ingest.seconds.toFixed(2)} s): source rows → landing`,
    formatTable(['table', 'rows', 'bytes', 'from (exclusive)', 'to'], landed),
    '',
    `transform (${transform.seconds.toFixed(2)} s) and load (${load.seconds.toFixed(2)} s): processed rows → warehouse`,
    formatTable(['warehouse table', 'rows', 'inserted/changed'], shaped),
    ...(quarantined.length > 0
      ? ['', 'quarantined:', ...quarantined.map((q) => terminalText(`  ${q.source}: ${q.reason}`))]
      : []),
    ...(setAside.length > 0
      ? [
          '',
          'rows set aside (a value the warehouse cannot hold; the rest of the batch was loaded):',
          ...setAside.flatMap((q) => [
            `  ${q.table}: ${q.rows} row(s), kept in ${q.quarantineKey} of the landing bucket`,
            ...q.first.map((row) => `    ${row.reason}`),
          ]),
        ]
      : []),
    ...(deletes ? ['', terminalText(runDeletesText(deletes))] : []),
    ...(ingest.zoneStepBack ? ['', terminalText(zoneStepText(ingest.zoneStepBack))] : []),
    ...(ingest.schema.changes.length > 0
      ? [
          '',
          'source columns that differ from the catalogue (deliverance status lists them):',
          ...ingest.schema.changes.map((c) => terminalText(`  ${schemaChangeText(c)}`)),
        ]
      : []),
    ...(ingest.futureStamped.length > 0
      ? [
          '',
          "stamped later than the source's clock, not read until their time comes:",
          ...ingest.futureStamped.map((f) => `  ${futureStampedText(f)}`),
        ]
      : []),
  ].join('\n');
}

/** A cycle's summary, then, while a table is more than a batch behind, the backfill's progress. */
export function formatCycleWithProgress(cycle: CycleResult, progress: BackfillProgress): string {
  const lines = progress.lines();
  return lines.length === 0
    ? formatCycleSummary(cycle)
    : [
        formatCycleSummary(cycle),
        '',
        'backfill:',
        ...lines.map((l) => terminalText(`  ${l}`)),
      ].join('\n');
}
