import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { METRICS, METRICS_NAMESPACE, type MetricPoint } from '../../../contract/metrics';
import type { StageFault } from '../../../contract/stage-fault';
import type { StageName } from '../../../contract/stages';
import { answerFatal } from '../fatal-answer';
import type { StageLogger } from '../ports/stage-logger';
import type { BatchKeys } from '../stage-report';

export interface StageTelemetry {
  readonly stage: StageName;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Logger and metrics for one stage; its name is the service name and the metric dimension. */
export function stageTelemetry(stage: StageName): StageTelemetry {
  return {
    stage,
    logger: new Logger({ serviceName: stage }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: stage }),
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

/** Adds each point with the unit the contract declares for its metric. */
export function addMetrics<S extends StageName>(
  metrics: Metrics,
  points: readonly MetricPoint<S>[],
): void {
  for (const { name, value } of points) metrics.addMetric(name, METRICS[name].unit, value);
}

/** The hooks a stage takes from its handler, built alike for the three. */
export interface StageHooks<Report> {
  readonly logger: StageLogger;
  readonly onBatch: (batch: BatchKeys) => void;
  readonly onReport: (report: Report) => void;
}

/**
 * What every handler gives its stage: Powertools' logger, the batch's keys on every log line
 * from the moment a batch starts, and each report the stage makes turned into its metrics.
 *
 * @example
 * transformStage({ ...adapters, ...stageHooks(telemetry, metricsOf) });
 */
export function stageHooks<S extends StageName, Report>(
  telemetry: StageTelemetry,
  metricsOf: (report: Report) => readonly MetricPoint<S>[],
): StageHooks<Report> {
  return {
    logger: asStageLogger(telemetry.logger),
    onBatch: (keys) => telemetry.logger.appendKeys({ ...keys }),
    onReport: (report) => addMetrics(telemetry.metrics, metricsOf(report)),
  };
}

/**
 * A stage's Lambda handler: the invocation's context in every log line (and keys appended
 * during one invocation gone in the next), its metrics flushed when it returns or throws, and
 * what it threw logged before Lambda retries it.
 *
 * A fatal error (a configuration or code fault) is answered, not thrown ({@link answerFatal}):
 * logged once, counted as `FatalErrors` (alarmed per stage), neither retried nor dead-lettered;
 * the next batch's catch-up (ingest: the next schedule tick) goes on once it is fixed.
 *
 * @example
 * export const handler = stageHandler(telemetry, async (event, context) => stage.run(event));
 */
export function stageHandler<E, R, C extends object>(
  telemetry: StageTelemetry,
  handler: (event: E, context: C) => Promise<R>,
): (event: E, context: C) => Promise<R | StageFault> {
  const { stage, logger, metrics } = telemetry;
  const answering = answerFatal(
    stage,
    {
      logger: asStageLogger(logger),
      count: () => metrics.addMetric('FatalErrors', METRICS.FatalErrors.unit, 1),
    },
    handler,
  );
  // Without an early timeout: a run out of time ends as Lambda ends it, its run record left
  // `running`, as before middy (catch-up budgets its batches to stay clear of it).
  return middy(answering, { timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use({
      onError: (request: { error: unknown }) => {
        logger.error(`The ${stage} failed`, request.error as Error);
      },
    }) as unknown as (event: E, context: C) => Promise<R | StageFault>;
}
