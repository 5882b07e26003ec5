import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { parkedBatches } from '../../lambdas/shared/parked-batch';
import type { ParkedBatch, StatusSources } from './pipeline-status';

/**
 * The batches parked and neither replayed nor purged that are older than the runs status read:
 * a batch stays parked for as long as nobody acts, and so does its alarm, however many batches
 * ran since (one list of `quarantine/manifests/` per bucket, then its run records by key).
 */
export async function olderParkedBatches(
  sources: Pick<StatusSources, 'landing' | 'processed'>,
  read: readonly string[],
): Promise<ParkedBatch[]> {
  const runLog = new ObjectStoreRunLog(sources.processed);
  const seen = new Set(read);
  const found = await Promise.all(
    (
      [
        ['transform', sources.landing],
        ['load', sources.processed],
      ] as const
    ).map(async ([stage, store]) =>
      (await parkedBatches({ store, runLog, stage }))
        .filter(({ batchId }) => !seen.has(batchId))
        .map(({ batchId, record }) => ({
          batchId,
          stage,
          bucket: record.missing?.bucket ?? '',
          key: record.missing?.key ?? '',
          at: record.finishedAt ?? record.startedAt,
          error: record.error ?? '(no message)',
        })),
    ),
  );
  return found.flat();
}
