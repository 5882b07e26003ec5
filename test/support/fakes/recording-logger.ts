import type { StageLogger } from '../../../lambdas/shared/ports/stage-logger';

/** One line a stage logged: its level, its message and its attributes. */
export type LoggedLine = [level: string, message: string, attributes?: Record<string, unknown>];

/** A stage logger that keeps every line in `lines`, in order, for a test to read back. */
export function recordingLogger(): StageLogger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (message: string, attributes?: Record<string, unknown>) =>
    void lines.push([level, message, attributes]);
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}
