import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { StageLogger } from '../ports/stage-logger';

/** Logger and metrics for one stage; service name and namespace come from the Powertools env. */
export function stageTelemetry(stage: 'ingest' | 'transform' | 'load'): {
  logger: Logger;
  metrics: Metrics;
} {
  return {
    logger: new Logger({ serviceName: stage }),
    metrics: new Metrics({ namespace: 'Deliverance', serviceName: stage }),
  };
}

/** Powertools' Logger seen through the stages' logger port. */
export function asStageLogger(logger: Logger): StageLogger {
  return {
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}

export { MetricUnit };

/** The environment variable a handler cannot run without, or a clear error naming it. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set: the stack must set it`);
  return value;
}
