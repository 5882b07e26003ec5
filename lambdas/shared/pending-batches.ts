import {
  batchIdFromManifestKey,
  batchIdInKey,
  daysBack,
  manifestKey,
  MANIFEST_PREFIX,
  QUARANTINE_PREFIX,
} from './core/batch';
import { parseProcessedManifest } from './core/manifest';
import { isBadData } from './core/pipeline-error';
import { readManifest } from './manifest-reader';
import { pendingBatchIds } from './core/pending-batches';
import type { LoadLog } from './ports/load-log';
import type { ObjectStore } from './ports/object-store';

/**
 * How many days before today a stage looks for batches it still owes: an outage of a long
 * weekend heals by itself; a batch older than that waits for an operator's replay
 * (docs/operations.md).
 */
export const CATCH_UP_DAYS = 7;

export interface PendingOptions {
  /** Only batches cut before this one: the batch of the event being handled. */
  readonly before?: string;
  readonly clock?: () => Date;
}

/** The ids of the batches with a manifest in `store`, today and {@link CATCH_UP_DAYS} days back. */
async function manifestIds(store: ObjectStore, now: Date): Promise<string[]> {
  const days = await Promise.all(
    daysBack(now, CATCH_UP_DAYS).map((day) => store.list(`${MANIFEST_PREFIX}${day}`)),
  );
  return days.flat().flatMap((key) => batchIdFromManifestKey(key) ?? []);
}

async function quarantinedIds(store: ObjectStore, prefix: string): Promise<string[]> {
  return (await store.list(prefix)).flatMap((key) => batchIdInKey(key) ?? []);
}

/**
 * Landing manifests the transform owes, oldest first: no processed manifest yet, and not
 * quarantined (a manifest the transform refused waits for an operator). A batch with
 * quarantined landing objects has its processed manifest, so it is not owed here.
 */
export async function pendingTransforms(
  stores: { readonly landing: ObjectStore; readonly processed: ObjectStore },
  options: PendingOptions = {},
): Promise<string[]> {
  const now = (options.clock ?? (() => new Date()))();
  const [handedOver, finished, setAside] = await Promise.all([
    manifestIds(stores.landing, now),
    manifestIds(stores.processed, now),
    quarantinedIds(stores.landing, `${QUARANTINE_PREFIX}${MANIFEST_PREFIX}`),
  ]);
  return pendingBatchIds({ handedOver, finished, setAside, before: options.before }).map(
    manifestKey,
  );
}

/**
 * Processed manifests the load owes, oldest first: not in the load log, no Parquet file the
 * load quarantined, and no landing object the transform quarantined (the load refuses such a
 * batch until an operator fixes it). Reads only the processed bucket and the warehouse.
 */
export async function pendingLoads(
  processed: ObjectStore,
  loadLog: LoadLog,
  options: PendingOptions = {},
): Promise<string[]> {
  const now = (options.clock ?? (() => new Date()))();
  const oldestDay = daysBack(now, CATCH_UP_DAYS).at(-1) as string;
  const [handedOver, loaded, setAside] = await Promise.all([
    manifestIds(processed, now),
    loadLog.loadedSince(oldestDay),
    quarantinedIds(processed, QUARANTINE_PREFIX),
  ]);
  const unloaded = pendingBatchIds({
    handedOver,
    finished: loaded,
    setAside,
    before: options.before,
  }).map(manifestKey);
  const whole = await Promise.all(
    unloaded.map((key) =>
      readManifest(processed, key, parseProcessedManifest).then(
        (manifest) => manifest.quarantined.length === 0,
        // A manifest the load would refuse is owed too: its load sets it aside with the reason.
        (error: unknown) => {
          if (isBadData(error)) return true;
          throw error;
        },
      ),
    ),
  );
  return unloaded.filter((_, i) => whole[i]);
}
