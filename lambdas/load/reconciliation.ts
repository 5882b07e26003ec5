import type { Pool } from 'pg';
import { manifestKey, MANIFEST_PREFIX } from '../shared/core/batch';
import {
  parseLandingManifest,
  type LandingManifest,
  type ProcessedManifest,
} from '../shared/core/manifest';
import {
  describeMismatches,
  findBatchGaps,
  reconcileLandingWithTransform,
  ReconciliationError,
  type BatchGap,
  type CountMismatch,
} from '../shared/core/reconcile';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';

export interface BatchReconcilerOptions {
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly warehouse: Pool;
  readonly logger: StageLogger;
  /** The batch's landing manifest, once read: the handler measures batch lag from it. */
  readonly onLanded?: (manifest: LandingManifest) => void;
  readonly onMismatch?: (mismatches: readonly CountMismatch[]) => void;
  readonly onGaps?: (gaps: readonly BatchGap[]) => void;
}

/**
 * The check load runs before it writes a batch: landing rows per source table must equal the
 * rows transform read, or the batch is refused with a `ReconciliationError`. Then a look for
 * earlier batches of the same day that a stage skipped over, which only warns: the batch in
 * hand is sound, and the gap is for an operator to replay.
 *
 * @example
 * await runLoad({ ...options, reconcile: batchReconciler({ landing, processed, warehouse, logger }) });
 */
export function batchReconciler(
  options: BatchReconcilerOptions,
): (manifest: ProcessedManifest) => Promise<void> {
  const { landing, logger } = options;
  return async (processed) => {
    const { batchId } = processed;
    const key = manifestKey(batchId);
    const body = await landing.getIfExists(key);
    if (!body) {
      logger.warn('Landing manifest not found: the batch cannot be reconciled with landing', {
        batchId,
        key,
      });
    } else {
      const landed = parseLandingManifest(body.toString('utf8'), { bucket: landing.bucket, key });
      options.onLanded?.(landed);
      const verdict = reconcileLandingWithTransform(landed, processed);
      if (verdict.quarantinedTables.length > 0) {
        logger.warn('Tables with quarantined objects are left out of reconciliation', {
          batchId,
          tables: verdict.quarantinedTables,
        });
      }
      if (verdict.mismatches.length > 0) {
        logger.error('Batch does not reconcile: nothing of it is loaded', {
          batchId,
          mismatches: verdict.mismatches,
        });
        options.onMismatch?.(verdict.mismatches);
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
 * older than a day has already been reported by the loads of its own day.
 */
async function warnOfGaps(options: BatchReconcilerOptions, batchId: string): Promise<void> {
  const day = batchId.slice(0, 8);
  try {
    const idsOf = (keys: string[]) =>
      keys.map((k) => k.slice(MANIFEST_PREFIX.length).replace(/\.json$/, ''));
    const [landed, transformed, loaded] = await Promise.all([
      options.landing.list(`${MANIFEST_PREFIX}${day}`).then(idsOf),
      options.processed.list(`${MANIFEST_PREFIX}${day}`).then(idsOf),
      options.warehouse
        .query<{ batch_id: string }>(`SELECT batch_id FROM etl.load_log WHERE batch_id LIKE $1`, [
          `${day}%`,
        ])
        .then((r) => r.rows.map((row) => row.batch_id)),
    ]);
    const gaps = findBatchGaps({ landed, transformed, loaded: [...loaded, batchId] }).filter(
      (gap) => gap.batchId < batchId,
    );
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
