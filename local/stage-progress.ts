import type { StageLogger } from '../lambdas/shared/ports/stage-logger';

/**
 * Hears a local run as it goes: each stage of each batch as it starts and ends, and each table
 * it finishes with its rows. Stages of different batches overlap in a run (`runUntilCaughtUp`),
 * so `table` and `end` name their stage. The command line shows it (`cli/progress.ts`); the
 * stages know nothing of it.
 */
export interface StageProgress {
  start(stage: string, batchId?: string): void;
  table(table: string, rows: number, stage: string): void;
  end(stage: string): void;
}

/**
 * The stage's logger, also telling `progress` of every table `stage` finishes: the stages log
 * each one (ingest `Extracted table`, transform `Read landed table`, load `Loaded table`) with
 * its `table` and its rows (`rows`, or the load's `staged`), which is all progress needs.
 *
 * @example
 * const logger = reportingLogger(consoleLogger(false), progress, 'ingest');
 */
export function reportingLogger(
  logger: StageLogger,
  progress: StageProgress,
  stage: string,
): StageLogger {
  return {
    info(message, attributes) {
      logger.info(message, attributes);
      const rows = attributes?.rows ?? attributes?.staged;
      if (typeof attributes?.table === 'string' && typeof rows === 'number') {
        progress.table(attributes.table, rows, stage);
      }
    },
    warn: (message, attributes) => logger.warn(message, attributes),
    error: (message, attributes) => logger.error(message, attributes),
  };
}
