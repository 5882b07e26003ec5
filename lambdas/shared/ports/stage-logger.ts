/** The structured logger every stage writes to; Powertools' Logger satisfies it in Lambda. */
export interface StageLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLogger: StageLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
