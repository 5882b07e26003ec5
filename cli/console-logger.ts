import type { StageLogger } from '../lambdas/shared/ports/stage-logger';

/** Warnings and errors always reach stderr; the stages' progress lines only with --verbose. */
export function consoleLogger(verbose: boolean): StageLogger {
  const format = (message: string, attributes?: Record<string, unknown>) =>
    attributes && Object.keys(attributes).length > 0
      ? `${message} ${JSON.stringify(attributes)}`
      : message;
  return {
    info: (message, attributes) => {
      if (verbose) console.error(`  · ${format(message, attributes)}`);
    },
    warn: (message, attributes) => console.error(`  ! ${format(message, attributes)}`),
    error: (message, attributes) => console.error(`  ✗ ${format(message, attributes)}`),
  };
}
