import {
  batchIdFromManifestKey,
  batchIdOfDeletesKey,
  batchIdOfLandingKey,
  batchTime,
  daysBack,
  MANIFEST_PREFIX,
} from '../shared/core/batch';
import { SOURCE_TABLE_NAMES } from '../shared/core/catalogue';
import { mapWithConcurrency } from '../shared/core/concurrency';
import type { ObjectStore } from '../shared/ports/object-store';
import type { StageLogger } from '../shared/ports/stage-logger';

/** How far back the newest manifest is looked for, one day-prefix listing at a time. */
const LOOK_BACK_DAYS = 31;

export interface RemovedAttempts {
  /** The unfinished attempts whose table objects were removed, oldest first. */
  readonly batchIds: readonly string[];
  readonly keys: readonly string[];
}

/**
 * Removes the landing table objects of earlier ingest attempts that never wrote their manifest:
 * a run that failed, timed out or was killed after some uploads, retried under a new batch id.
 * Nothing reads those objects (the transform reads the keys a manifest names) and no watermark
 * moved for them (watermarks move after the manifest), so removing them changes no outcome.
 *
 * Call it before `batchId` writes anything. It relies on no other ingest running — reserved
 * concurrency 1 in AWS, one `deliverance run` at a time locally, as the watermarks already
 * need — so an attempt cut before `batchId` without a manifest is over; a batch cut at or after
 * `batchId` is never touched.
 *
 * Only objects after the newest manifest are examined, because the run that wrote it had
 * removed everything older. That manifest is found by listing one day of `manifests/` at a
 * time, newest first, so no listing is paged (see `ObjectStoreRunLog`); without one in
 * `LOOK_BACK_DAYS`, the objects of those days are examined.
 *
 * @example
 * const removed = await removeUnfinishedAttempts(landing, batchId, logger);
 * metrics.addMetric('UnfinishedObjectsRemoved', MetricUnit.Count, removed.keys.length);
 */
export async function removeUnfinishedAttempts(
  landing: ObjectStore,
  batchId: string,
  logger: StageLogger,
): Promise<RemovedAttempts> {
  const days = daysBack(batchTime(batchId), LOOK_BACK_DAYS);
  const finished = new Set<string>();
  let newest: string | undefined;
  for (const day of days) {
    for (const key of await landing.list(`${MANIFEST_PREFIX}${day}`)) {
      const id = batchIdFromManifestKey(key);
      if (!id) continue;
      finished.add(id);
      if (id < batchId && (newest === undefined || id > newest)) newest = id;
    }
    if (newest) break;
  }
  const after = newest ?? days.at(-1);
  const listed = await mapWithConcurrency(SOURCE_TABLE_NAMES, 4, (table) =>
    landing.list(`${table}/`, `${table}/${after}`),
  );
  const unfinished = listed.flat().flatMap((key) => {
    const id = batchIdOfLandingKey(key) ?? batchIdOfDeletesKey(key);
    return id !== undefined && id < batchId && !finished.has(id) ? [{ key, id }] : [];
  });
  const keys = unfinished.map((u) => u.key);
  await mapWithConcurrency(keys, 8, (key) => landing.delete(key));
  const batchIds = [...new Set(unfinished.map((u) => u.id))].sort();
  if (keys.length > 0) {
    logger.info('Removed the table objects of unfinished ingest attempts', {
      batchId,
      attempts: batchIds,
      keys: keys.length,
    });
  }
  return { batchIds, keys };
}
