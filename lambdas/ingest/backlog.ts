import type { LandingManifest } from '../shared/core/manifest';
import type { SelfInvoker } from '../shared/ports/self-invoker';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { IngestResult } from './ingest';

/** What a run did about the rows it left for the next batch. */
export type BacklogOutcome = 'caught-up' | 'next-batch-started' | 'stalled' | 'not-started';

/**
 * After a run that left rows behind (a table hit its cap), starts the next batch at once with
 * the same event instead of leaving the rest to the next schedule tick. Lambda queues it behind
 * the running batch (one ingest at a time), and each batch starts the next until every table is
 * caught up.
 *
 * A run whose capped tables landed no rows and that finished no backfill made no progress on
 * the backlog, whatever the tables that fit landed: starting it again would loop forever, so it
 * stops with a warning and the schedule keeps trying. A refused invocation is logged and does
 * not fail the run, whose batch is landed: the schedule continues the backlog.
 *
 * @example
 * const outcome = await continueBacklog(result, event, new LambdaSelfInvoker(name), logger);
 */
export async function continueBacklog(
  result: IngestResult,
  event: unknown,
  invoker: SelfInvoker,
  log: StageLogger,
): Promise<BacklogOutcome> {
  if (result.caughtUp) return 'caught-up';
  const capped = result.manifest.tables.filter((t) => t.upTo !== undefined);
  const remaining = Object.fromEntries(capped.map((t) => [t.table, t.remaining]));
  if (!progressed(result.manifest)) {
    log.warn('Rows remain but this batch landed none of them: not starting the next batch', {
      batchId: result.batchId,
      remaining,
    });
    return 'stalled';
  }
  try {
    await invoker.invokeAsync(event);
  } catch (error) {
    log.error('Could not start the next batch of the backlog: the schedule will continue it', {
      batchId: result.batchId,
      // The SDK's error class is its name (AccessDeniedException), not in its message.
      error: String(error),
    });
    return 'not-started';
  }
  log.info('Rows remain: started the next batch', { batchId: result.batchId, remaining });
  return 'next-batch-started';
}

/** The batch moved the backlog on: its capped tables landed rows, or it finished a backfill. */
function progressed(manifest: LandingManifest): boolean {
  return manifest.tables.some((t) => (t.upTo === undefined ? t.after !== undefined : t.rows > 0));
}
