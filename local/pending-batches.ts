import {
  batchIdFromManifestKey,
  MANIFEST_PREFIX,
  QUARANTINE_PREFIX,
} from '../lambdas/shared/core/batch';
import { parseProcessedManifest } from '../lambdas/shared/core/manifest';
import type { StageLogger } from '../lambdas/shared/ports/stage-logger';
import type { PipelineContext } from './pipeline-context';

/** What a cycle still owes earlier batches: their manifest keys, oldest batch first. */
export interface PendingBatches {
  /** Landing manifests with no processed manifest: transform, then load. */
  readonly transform: string[];
  /** Processed manifests whose batch is not in the load log: load. */
  readonly load: string[];
}

const byBatch = (a: string, b: string) =>
  (batchIdFromManifestKey(a) ?? a).localeCompare(batchIdFromManifestKey(b) ?? b);

/**
 * The batches an earlier run left half done. In AWS the S3 event of a manifest is retried until
 * its stage succeeds (then dead-lettered); a local run has no such queue, so a run killed after
 * the ingest wrote its manifest would leave that batch untransformed forever while the advanced
 * watermarks skip its rows. A batch whose manifest or one of whose objects was quarantined is
 * poison, not pending: it waits for an operator's replay.
 */
export async function findPendingBatches(context: PipelineContext): Promise<PendingBatches> {
  const [landed, processed, landingQuarantine, processedQuarantine, loaded] = await Promise.all([
    context.landing.list(MANIFEST_PREFIX),
    context.processed.list(MANIFEST_PREFIX),
    context.landing.list(`${QUARANTINE_PREFIX}${MANIFEST_PREFIX}`),
    context.processed.list(QUARANTINE_PREFIX),
    context.warehouse.query<{ batch_id: string }>('SELECT batch_id FROM etl.load_log'),
  ]);
  const done = new Set(processed.map(batchIdFromManifestKey));
  const poisonedManifests = new Set(
    landingQuarantine.map((k) => batchIdFromManifestKey(k.slice(QUARANTINE_PREFIX.length))),
  );
  const poisonedLoads = (id: string) => processedQuarantine.some((k) => k.includes(id));
  const inLog = new Set(loaded.rows.map((r) => r.batch_id));
  const transform = landed.filter((key) => {
    const id = batchIdFromManifestKey(key);
    return id !== undefined && !done.has(id) && !poisonedManifests.has(id);
  });
  const unloaded = processed.filter((key) => {
    const id = batchIdFromManifestKey(key);
    return id !== undefined && !inLog.has(id) && !poisonedLoads(id);
  });
  // A batch the transform quarantined part of is refused by the load until an operator fixes
  // the object and replays it (deliverance replay --batch ID --force): not pending either.
  const complete = await Promise.all(
    unloaded.map(async (key) => {
      const text = (await context.processed.get(key)).toString('utf8');
      return (
        parseProcessedManifest(text, { bucket: context.processed.bucket, key }).quarantined
          .length === 0
      );
    }),
  );
  const load = unloaded.filter((_, i) => complete[i]);
  return { transform: transform.sort(byBatch), load: load.sort(byBatch) };
}

/**
 * Finishes the batches an earlier run left half done, oldest first (so that no batch's facts
 * are loaded before the dimensions an earlier batch brings). Answers how many it finished.
 */
export async function catchUpPendingBatches(
  context: PipelineContext,
  logger: StageLogger,
  stages: {
    transform: (manifestKey: string) => Promise<{ manifestKey: string }>;
    load: (manifestKey: string) => Promise<unknown>;
  },
): Promise<number> {
  const pending = await findPendingBatches(context);
  const loads = new Set(pending.load);
  for (const key of pending.transform) {
    logger.warn('Finishing a batch an earlier run left untransformed', { manifestKey: key });
    loads.add((await stages.transform(key)).manifestKey);
  }
  const ordered = [...loads].sort(byBatch);
  for (const key of ordered) {
    if (pending.load.includes(key)) {
      logger.warn('Finishing a batch an earlier run left unloaded', { manifestKey: key });
    }
    await stages.load(key);
  }
  return ordered.length;
}
