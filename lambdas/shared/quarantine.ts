import { QUARANTINE_PREFIX } from './core/batch';
import type { ManifestLocation, QuarantinedObject } from './core/manifest';
import { isBadData } from './core/pipeline-error';
import { readManifest } from './manifest-reader';
import { MissingObjectError, type ObjectStore } from './ports/object-store';
import type { StageLogger } from './ports/stage-logger';

/**
 * Sets a refused object aside with the reason next to it: the object is copied (never moved:
 * landing stays the full-history replica) to `quarantine/<key>` and the reason written to
 * `quarantine/<key>.reason.json`, so an operator can fix it and replay the batch. The copy is
 * streamed: an object refused for its size is not read into memory whole.
 */
export async function quarantineObject(
  from: ObjectStore,
  key: string,
  reason: string,
  batchId: string,
): Promise<QuarantinedObject> {
  const quarantineKey = `${QUARANTINE_PREFIX}${key}`;
  await from.upload(quarantineKey, await from.stream(key));
  await from.put(
    `${quarantineKey}.reason.json`,
    JSON.stringify(
      { source: `s3://${from.bucket}/${key}`, batchId, reason, at: new Date().toISOString() },
      null,
      2,
    ),
    'application/json',
  );
  return { source: `s3://${from.bucket}/${key}`, quarantineKey, reason };
}

/**
 * Reads a stage's input manifest (bounded: see readManifest); one that is refused is set aside
 * with its reason, and the error rethrown. A manifest is the batch's contract: skipping part of
 * it would drop data unseen, so the stage fails (Lambda retries, then the dead-letter queue) and
 * the local catch-up leaves the batch to the operator.
 *
 * @throws {ManifestError} naming the manifest and what is wrong with it.
 */
export async function readManifestOrQuarantine<M>(
  store: ObjectStore,
  key: string,
  parse: (text: string, at: ManifestLocation) => M,
  batchId: string,
  log: StageLogger,
): Promise<M> {
  try {
    return await readManifest(store, key, parse);
  } catch (error) {
    // A missing manifest has nothing to copy aside: the stage parks its batch.
    if (isBadData(error) && !(error instanceof MissingObjectError)) {
      const reason = (error as Error).message;
      await quarantineObject(store, key, reason, batchId);
      log.error('Manifest refused: quarantined, the batch goes no further', {
        batchId,
        key,
        reason,
      });
    }
    throw error;
  }
}
