import type { StageName } from '../../contract/stages';
import { stageFault, type StageFault } from '../../contract/stage-fault';
import { isFatal } from './core/pipeline-error';
import type { StageLogger } from './ports/stage-logger';

export interface FatalReporting {
  readonly logger: StageLogger;
  /** Counts the fault, e.g. as the `FatalErrors` metric its alarm watches. */
  readonly count: () => void;
}

/**
 * `handler`, answering a fatal error (pipeline-error.ts: a configuration or code fault) instead
 * of throwing it: logged once with what it names, counted, and answered as a {@link StageFault}.
 * Lambda retries a thrown error and then dead-letters its event; a fault no retry can pass is
 * reported once instead, and the batch stays owed for the catch-up once an operator fixed it.
 * Every other error is thrown as before.
 *
 * @example
 * const run = answerFatal('load', { logger, count: () => metrics.addMetric(...) }, work);
 */
export function answerFatal<E, C, R>(
  stage: StageName,
  reporting: FatalReporting,
  handler: (event: E, context: C) => Promise<R>,
): (event: E, context: C) => Promise<R | StageFault> {
  return async (event, context) => {
    try {
      return await handler(event, context);
    } catch (error) {
      if (!isFatal(error)) throw error;
      const { fault } = stageFault(error);
      reporting.logger.error(
        `The ${stage} stopped at a fatal error, not retried: ${fault.message}. Fix what it names; the next run picks up the batches owed`,
        { errorKind: fault.kind, errorName: fault.name, error },
      );
      reporting.count();
      return { fault };
    }
  };
}
