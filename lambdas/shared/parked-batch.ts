import { manifestKey, QUARANTINE_PREFIX } from './core/batch';
import { PipelineError } from './core/pipeline-error';
import { MissingObjectError, type ObjectStore } from './ports/object-store';
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
