import { QUARANTINE_PREFIX } from '../shared/core/batch';
import type { QuarantinedObject } from '../shared/core/manifest';
import type { ObjectStore } from '../shared/ports/object-store';

/**
 * Sets a refused object aside with the reason next to it: the object is copied (never moved:
 * landing stays the full-history replica) to `quarantine/<key>` and the reason written to
 * `quarantine/<key>.reason.json`, so an operator can fix it and replay the batch.
 */
export async function quarantineObject(
  from: ObjectStore,
  key: string,
  reason: string,
  batchId: string,
): Promise<QuarantinedObject> {
  const quarantineKey = `${QUARANTINE_PREFIX}${key}`;
  await from.put(quarantineKey, await from.get(key));
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
