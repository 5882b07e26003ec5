import { batchIdInKey, manifestKey, MANIFEST_PREFIX, QUARANTINE_PREFIX } from './core/batch';
import { mapWithConcurrency } from './core/concurrency';
import { PipelineError } from './core/pipeline-error';
import { MissingObjectError, type ObjectStore } from './ports/object-store';
import type { RunLog, RunRecord } from './ports/run-log';
import type { StageLogger } from './ports/stage-logger';

/** The stages that read a manifest's objects, and so can park a batch. */
export type ParkingStage = 'transform' | 'load';

/** The object a parked batch waits for. */
export interface MissingObject {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Where a parked batch's reason is kept, in the bucket of the stage's input manifest: beside the
 * manifests a stage refused (`quarantine/manifests/<batchId>.json.reason.json`), which the
 * catch-up already leaves to an operator.
 */
export function parkedReasonKey(batchId: string): string {
  return `${QUARANTINE_PREFIX}${manifestKey(batchId)}.reason.json`;
}

/** What an operator does about a batch parked at `stage`. */
function whatToDo(stage: ParkingStage, batchId: string): string {
  const restore =
    stage === 'transform'
      ? `restore it (the landing bucket is versioned), then deliverance replay --batch ${batchId}`
      : `restore it, or rewrite it from landing: deliverance replay --batch ${batchId} --stage transform --force`;
  return `${restore}; or give the batch up: deliverance replay --batch ${batchId} --purge`;
}

/**
 * A batch set aside because an object its manifest names is missing: nothing of it was written,
 * the batches after it go on, and it waits for an operator (see {@link whatToDo}).
 */
export class ParkedBatchError extends PipelineError {
  readonly kind = 'bad-data';

  constructor(
    readonly batchId: string,
    readonly stage: ParkingStage,
    readonly missing: MissingObject,
    cause: MissingObjectError,
  ) {
    super(
      `Batch ${batchId} parked at ${stage}: ${cause.message}. Nothing of the batch was written and the batches after it go on; ${whatToDo(stage, batchId)}`,
      { cause },
    );
    this.name = 'ParkedBatchError';
  }
}

/**
 * Runs one batch of a stage; when an object it reads is missing, parks the batch: its reason is
 * written to {@link parkedReasonKey} in `store` (so the catch-up leaves it alone) and a
 * {@link ParkedBatchError} naming the bucket, key and batch is thrown for the run log.
 *
 * @example
 * await parkIfMissing({ store: landing, batchId, stage: 'transform', logger }, () => runTransform(options));
 */
export async function parkIfMissing<T>(
  where: {
    readonly store: ObjectStore;
    readonly batchId: string | undefined;
    readonly stage: ParkingStage;
    readonly logger: StageLogger;
  },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { batchId, stage, store, logger } = where;
    if (!(error instanceof MissingObjectError) || batchId === undefined) throw error;
    const missing = { bucket: error.bucket, key: error.key };
    const parked = new ParkedBatchError(batchId, stage, missing, error);
    await store.put(
      parkedReasonKey(batchId),
      JSON.stringify(
        {
          source: `s3://${store.bucket}/${manifestKey(batchId)}`,
          batchId,
          stage,
          missing,
          reason: parked.message,
          at: new Date().toISOString(),
        },
        null,
        2,
      ),
      'application/json',
    );
    logger.error('Object missing: the batch is parked, the batches after it go on', {
      batchId,
      stage,
      bucket: missing.bucket,
      key: missing.key,
    });
    throw parked;
  }
}

/**
 * Runs one batch of an event; a batch parked is answered as undefined instead of thrown. Parking
 * is a handled outcome (recorded, counted, alarmed), not a failed invocation: retrying cannot
 * bring the object back, and a dead-lettered event would only say it a third time.
 *
 * @example
 * const run = await unlessParked(() => stage.batch(manifestKey));
 */
export async function unlessParked<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ParkedBatchError) return undefined;
    throw error;
  }
}

/** Where the parked batches of a stage are found: its input bucket, and its run log. */
export interface ParkedBatchesAt {
  /** The bucket of the stage's input manifests, where {@link parkedReasonKey} is written. */
  readonly store: ObjectStore;
  readonly runLog: RunLog;
  readonly stage: ParkingStage;
}

/**
 * The batches parked at `stage` and neither replayed nor purged, oldest first, with their run
 * record: a reason under `quarantine/manifests/` (one list request: refused and parked manifests
 * are few) whose run record is still the parking failure, not given up. The rule
 * `deliverance status` lists them by, so the alarm and status agree.
 */
export async function parkedBatches(
  at: ParkedBatchesAt,
): Promise<{ readonly batchId: string; readonly record: RunRecord }[]> {
  const reasons = (await at.store.list(`${QUARANTINE_PREFIX}${MANIFEST_PREFIX}`)).filter((key) =>
    key.endsWith('.reason.json'),
  );
  const ids = [...new Set(reasons.flatMap((key) => batchIdInKey(key) ?? []))].sort();
  const records = await mapWithConcurrency(ids, 8, (id) => at.runLog.read(id, at.stage));
  return ids.flatMap((batchId, i) => {
    const record = records[i];
    return record?.state === 'failure' && record.missing !== undefined && !record.purged
      ? [{ batchId, record }]
      : [];
  });
}

/**
 * Tells `hear` the batches parked at the stage, once a stage's invocation is done, for the gauge
 * its alarm watches: it stays in alarm until each is replayed or purged. Never throws: a count
 * that fails is logged, and the alarm keeps its state until the next one.
 */
export async function reportParkedBatches(
  at: ParkedBatchesAt & { readonly logger: StageLogger },
  hear: ((batchIds: readonly string[]) => void) | undefined,
): Promise<void> {
  if (!hear) return;
  let parked: string[];
  try {
    parked = (await parkedBatches(at)).map((p) => p.batchId);
  } catch (error) {
    at.logger.warn('Could not count the parked batches: the alarm keeps its state', {
      stage: at.stage,
      reason: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  if (parked.length > 0) {
    at.logger.warn(
      `${parked.length} batches are parked at the ${at.stage}, waiting for an operator: replay or purge each (deliverance status lists them)`,
      { stage: at.stage, parked },
    );
  }
  hear(parked);
}
