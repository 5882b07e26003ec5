import { batchIdFromManifestKey } from './core/batch';
import { timeForAnotherBatch } from './core/catch-up-budget';
import { isFatal } from './core/pipeline-error';
import { ParkedBatchError } from './parked-batch';
import type { RemainingTime } from './ports/remaining-time';
import type { StageLogger } from './ports/stage-logger';

export interface CatchUpOptions {
  readonly stage: 'transform' | 'load';
  readonly logger: StageLogger;
  /** The manifest keys of the earlier batches the stage still owes, oldest first. */
  readonly pending: () => Promise<readonly string[]>;
  /** Runs the stage for one batch, as for its own event (run record and metrics included). */
  readonly run: (manifestKey: string) => Promise<unknown>;
  /** Lambda's context; without it (a local run) there is no time budget. */
  readonly invocation?: RemainingTime;
  /**
   * Runs the drain unless another run is draining the same backlog (then answers false and the
   * drain does not run), so two invocations do not race each other through it. The drain calls
   * `stillAlone` before each batch: it throws once the run may no longer be alone (the lock's
   * connection dropped), so the drain stops rather than race the run that took over.
   */
  readonly alone?: (drain: (stillAlone: () => void) => Promise<void>) => Promise<boolean>;
}

export interface CatchUpOutcome {
  readonly finished: readonly string[];
  /** Owed batches parked for a missing object: the catch-up went on past them. */
  readonly parked: readonly string[];
  /** Owed batches not started: the time budget ran out, or an earlier one failed. */
  readonly left: readonly string[];
  /** What stopped the catch-up: finding the batches, or running the one named. */
  readonly failure?: { readonly manifestKey?: string; readonly error: unknown };
}

/**
 * Finishes the earlier batches a stage still owes, oldest first, before the stage handles the
 * batch of its event: batches whose events were dead-lettered during an outage heal with the
 * next batch instead of waiting for a replay each. It stops at the first batch that fails (the
 * later ones would meet the same outage, or miss that batch's dimensions) — except a batch
 * parked for a missing object, which waits for an operator while the rest go on — and when the time left
 * is needed for the event's own batch; the next invocation picks up where it stopped.
 *
 * A failure is logged and answered, and the caller decides: the handlers go on to their own
 * batch, whose outcome is the invocation's; the local runner fails its cycle. A fatal failure (a
 * configuration or code fault) is thrown instead: the event's own batch would meet the same
 * fault, so the invocation stops at it and reports it once, and every batch stays owed until an
 * operator fixes it.
 *
 * @example
 * await catchUp({ stage: 'load', logger, pending: () => pendingLoads(processed, pool, { before }), run: loadOne, invocation: context });
 * return loadOne(manifestKey);
 */
export async function catchUp(options: CatchUpOptions): Promise<CatchUpOutcome> {
  const { stage, logger, invocation } = options;
  const finished: string[] = [];
  const parked: string[] = [];
  let owed: readonly string[] = [];
  let failure: CatchUpOutcome['failure'];
  // A local run has no deadline: all the time in the world, and no batch ever takes any of it.
  const timeLeft = invocation
    ? () => invocation.getRemainingTimeInMillis()
    : () => Number.MAX_SAFE_INTEGER;
  const startedWithMs = timeLeft();
  const drain = async (stillAlone: () => void = () => undefined) => {
    owed = await options.pending();
    if (owed.length > 0) {
      logger.warn(`Catching up ${owed.length} earlier batches the ${stage} did not finish`, {
        stage,
        owed: owed.map((key) => batchIdFromManifestKey(key)),
      });
    }
    let longestBatchMs = 0;
    for (const manifestKey of owed) {
      const remainingMs = timeLeft();
      if (!timeForAnotherBatch({ remainingMs, startedWithMs, longestBatchMs })) return;
      stillAlone();
      try {
        await options.run(manifestKey);
      } catch (error) {
        // Dimensions are newest-wins and facts are versions: the batches after a parked one
        // can load before it, and it loads whenever its object is back.
        if (error instanceof ParkedBatchError) {
          parked.push(manifestKey);
          continue;
        }
        failure = { manifestKey, error };
        return;
      }
      longestBatchMs = Math.max(longestBatchMs, remainingMs - timeLeft());
      finished.push(manifestKey);
    }
  };
  try {
    const drained = options.alone ? await options.alone(drain) : await drain().then(() => true);
    if (!drained) {
      logger.info(`Another ${stage} run is catching up: leaving the earlier batches to it`, {
        stage,
      });
    }
  } catch (error) {
    failure ??= { error };
  }
  const left = owed.filter(
    (key) => !finished.includes(key) && !parked.includes(key) && key !== failure?.manifestKey,
  );
  if (parked.length > 0) {
    logger.warn(
      `${parked.length} earlier batches are parked for a missing object: went on past them`,
      {
        stage,
        parked: parked.map((key) => batchIdFromManifestKey(key)),
      },
    );
  }
  if (failure && isFatal(failure.error)) throw failure.error;
  if (failure) {
    logger.error(`The ${stage} could not catch up: the next run tries again`, {
      stage,
      failedBatchId: failure.manifestKey && batchIdFromManifestKey(failure.manifestKey),
      reason: failure.error instanceof Error ? failure.error.message : String(failure.error),
      left: left.length,
    });
  } else if (left.length > 0) {
    logger.warn(`Time is short: ${left.length} earlier batches are left for the next run`, {
      stage,
      left: left.map((key) => batchIdFromManifestKey(key)),
    });
  }
  return { finished, parked, left, ...(failure ? { failure } : {}) };
}
