import {
  batchIdFromManifestKey,
  batchIdInKey,
  MANIFEST_PREFIX,
  QUARANTINE_PREFIX,
} from '../shared/core/batch';
import type { ProcessedManifest } from '../shared/core/manifest';
import {
  describeMismatches,
  findBatchGaps,
  reconcileLandingWithTransform,
  ReconciliationError,
  type BatchGap,
} from '../shared/core/reconcile';
import type { LoadLog } from '../shared/ports/load-log';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';

export interface BatchReconcilerOptions {
  readonly processed: ObjectStore;
  readonly loadLog: LoadLog;
  readonly logger: StageLogger;
  readonly onGaps?: (gaps: readonly BatchGap[]) => void;
}

/**
 * The check load runs before it writes a batch: the rows landing held per source table (which
 * the processed manifest carries, so load reads nothing of landing) must equal the rows
 * transform passed on plus the rows it set aside, or the batch is refused with a
 * `ReconciliationError` (a landing object quarantined whole always is). Then a look for earlier
 * batches of the same day that the load skipped over, which only warns: the batch in hand is
 * sound, and the gap is for an operator to replay.
 *
 * @example
 * await runLoad({ ...options, reconcile: batchReconciler({ processed, loadLog, logger }) });
 */
export function batchReconciler(
  options: BatchReconcilerOptions,
): (manifest: ProcessedManifest) => Promise<void> {
  const { logger } = options;
  return async (processed) => {
    const { batchId } = processed;
    if (!processed.landed) {
      logger.warn(
        'The processed manifest carries no landing counts (it was written before they were): the batch loads without reconciliation',
        { batchId },
      );
    } else {
      const verdict = reconcileLandingWithTransform(processed.landed, processed);
      const setAside = processed.quarantinedRows ?? [];
      if (setAside.length > 0) {
        logger.warn('Rows set aside by the transform: landed = loaded + set aside', {
          batchId,
          tables: setAside.map(({ table, rows, quarantineKey }) => ({
            table,
            rows,
            quarantineKey,
          })),
        });
      }
      if (verdict.mismatches.length > 0) {
        logger.error('Batch does not reconcile: nothing of it is loaded', {
          batchId,
          mismatches: verdict.mismatches,
        });
        throw new ReconciliationError(
          describeMismatches(batchId, verdict.mismatches),
          verdict.mismatches,
        );
      }
    }
    await warnOfGaps(options, batchId);
  };
}

/**
 * Batches of the current batch's day only: each listing stays small (and unpaged), and a gap
 * older than a day has already been reported by the loads of its own day. Only the load's own
 * gaps: a batch landed but never transformed is the transform's to catch up, and `status`,
 * which reads both buckets, reports it.
 */
async function warnOfGaps(options: BatchReconcilerOptions, batchId: string): Promise<void> {
  const day = batchId.slice(0, 8);
  try {
    const idsOf = (keys: string[]) => keys.flatMap((k) => batchIdFromManifestKey(k) ?? []);
    const [transformed, parked, loaded] = await Promise.all([
      options.processed.list(`${MANIFEST_PREFIX}${day}`).then(idsOf),
      // Batches parked (or refused) with their reason: waiting for an operator, not a gap.
      options.processed
        .list(`${QUARANTINE_PREFIX}${MANIFEST_PREFIX}${day}`)
        .then((keys) => keys.flatMap((k) => batchIdInKey(k) ?? [])),
      options.loadLog.loadedOn(day),
    ]);
    const gaps = findBatchGaps({
      landed: transformed,
      transformed,
      loaded: [...loaded, batchId],
      parked,
    }).filter((gap) => gap.batchId < batchId);
    if (gaps.length === 0) return;
    for (const gap of gaps) {
      options.logger.warn('Gap in the batch sequence: replay the batch', { ...gap });
    }
    options.onGaps?.(gaps);
  } catch (error) {
    options.logger.warn('Could not look for gaps in the batch sequence', {
      batchId,
      reason: (error as Error).message,
    });
  }
}
