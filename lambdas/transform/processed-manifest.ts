import {
  landedSummary,
  type LandedTable,
  type LandingManifest,
  type ProcessedDeletes,
  type ProcessedManifest,
  type ProcessedTable,
  type QuarantinedObject,
  type QuarantinedRows,
} from '../shared/core/manifest';
import { formatTimestamp, parseTimestamp } from '../shared/core/value-codecs';

export interface BatchOutcome {
  readonly batchId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly sourceRows: Readonly<Record<string, number>>;
  readonly tables: readonly ProcessedTable[];
  readonly quarantined: readonly QuarantinedObject[];
  readonly quarantinedRows: readonly QuarantinedRows[];
  /** Tombstones per source table; none when the batch carried no deletes. */
  readonly deletes?: readonly ProcessedDeletes[];
}

/** The processed manifest of a batch: what it wrote, set aside, and how far it is complete. */
export function processedManifest(
  landing: LandingManifest,
  outcome: BatchOutcome,
): ProcessedManifest {
  const newest = landing.tables
    .map((t) => t.newest)
    .filter((n): n is string => n !== null)
    .sort()
    .at(-1);
  return {
    kind: 'processed',
    version: 1,
    batchId: outcome.batchId,
    startedAt: outcome.startedAt.toISOString(),
    finishedAt: outcome.finishedAt.toISOString(),
    sourceRows: outcome.sourceRows,
    tables: outcome.tables,
    newestSourceChange: newest ?? null,
    completeUpTo: landing.tables.map(completeThrough).sort()[0] ?? null,
    quarantined: outcome.quarantined,
    quarantinedRows: outcome.quarantinedRows,
    landed: landedSummary(landing),
    ...(outcome.deletes && outcome.deletes.length > 0 ? { deletes: outcome.deletes } : {}),
  };
}

/**
 * Up to when a landed table is complete: its window's upper bound, or for a batch capped at a
 * cursor, the instant before the cursor's last_updated (later rows at that instant may wait).
 */
function completeThrough(table: LandedTable): string {
  if (!table.upTo) return table.to;
  return formatTimestamp((parseTimestamp(table.upTo.lastUpdated) ?? 0n) - 1n);
}
