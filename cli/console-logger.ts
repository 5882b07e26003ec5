import type { StageLogger } from '../lambdas/shared/ports/stage-logger';
import { terminalText } from './terminal-text';

/**
 * Warnings and errors always reach stderr; the stages' progress lines only with --verbose.
 * `beforeLine` runs before each line (a live progress line steps aside).
 */
export function consoleLogger(
  verbose: boolean,
  beforeLine: () => void = () => undefined,
): StageLogger {
  // A stage's message can quote the data (a bad value, a source key): escaped like any output.
  const format = (message: string, attributes?: Record<string, unknown>) =>
    terminalText(
      attributes && Object.keys(attributes).length > 0
        ? `${message} ${JSON.stringify(attributes)}`
        : message,
    );
  return {
    info: (message, attributes) => {
      if (!verbose) return;
      beforeLine();
      console.error(`  · ${format(message, attributes)}`);
    },
    warn: (message, attributes) => {
      beforeLine();
      console.error(`  ! ${format(message, attributes)}`);
    },
    error: (message, attributes) => {
      beforeLine();
      console.error(`  ✗ ${format(message, attributes)}`);
    },
  };
}
