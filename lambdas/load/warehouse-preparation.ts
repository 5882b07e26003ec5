/**
 * The deploy's preparation of the warehouse: CloudFormation's custom resource
 * (lib/warehouse-preparation.ts) runs the load's migrations and gives the analyst role its login
 * before anything that reads the warehouse (the QuickSight data source) is created, so a deploy
 * against a warehouse it cannot prepare fails in CloudFormation, with the reason, instead of in
 * the first load after it.
 */
import type { Pool } from 'pg';
import {
  failed,
  sendCustomResourceResponse,
  succeeded,
  type CustomResourceEvent,
  type CustomResourceResponse,
} from '../shared/adapters/custom-resource';
import type { StageDatabase } from '../shared/adapters/stage-database';
import { TransientError } from '../shared/core/pipeline-error';
import type { RemainingTime } from '../shared/ports/remaining-time';
import type { StageLogger } from '../shared/ports/stage-logger';
import { migrateSchema } from './load-stage';

/** The resource's physical id: one warehouse schema, whatever its properties, so never replaced. */
export const WAREHOUSE_SCHEMA_ID = 'deliverance-warehouse-schema';

/**
 * Brings the warehouse schema up to date (as the load does on its first batch) and then, when
 * given `setAnalystLogin` (QuickSight on), gives the analyst role its login.
 *
 * @returns what {@link migrateSchema} applied; empty when the schema was current
 */
export async function prepareWarehouse(
  warehouse: Pool,
  setAnalystLogin?: (warehouse: Pool) => Promise<unknown>,
): Promise<string[]> {
  const applied = await migrateSchema(warehouse);
  await setAnalystLogin?.(warehouse);
  return applied;
}

/**
 * CloudFormation's answer to one request. Create and Update run `prepare`; Delete does nothing,
 * since the warehouse and its data outlive the stack (and a rollback's Delete must not touch
 * what an earlier deploy migrated). A failure is answered FAILED with its message as the one-line
 * reason: the errors `prepare` meets name the database, file or secret, never a credential.
 */
export async function answerWarehouseRequest(
  event: CustomResourceEvent,
  prepare: () => Promise<readonly string[]>,
): Promise<CustomResourceResponse> {
  const physicalResourceId = event.PhysicalResourceId ?? WAREHOUSE_SCHEMA_ID;
  if (event.RequestType === 'Delete') return succeeded(event, physicalResourceId);
  try {
    const applied = await prepare();
    return succeeded(event, physicalResourceId, {
      Applied: applied.length > 0 ? applied.join(' ') : 'nothing: the schema was current',
    });
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
    return failed(
      event,
      physicalResourceId,
      `Could not prepare the warehouse for this deploy: ${message}. Fix that and deploy again: a failed migration changes nothing, and the preparation is safe to repeat.`,
    );
  }
}

/** What is kept of the invocation's time to answer CloudFormation after giving up. */
export const ANSWER_MARGIN_MS = 10_000;

export interface WarehouseRequestOptions {
  /** The warehouse, opened only for Create and Update, and ended before answering. */
  readonly warehouse: StageDatabase;
  /**
   * Lambda's context: a preparation still running {@link ANSWER_MARGIN_MS} before the function's
   * timeout is answered FAILED, since a function killed unanswered leaves CloudFormation waiting.
   */
  readonly invocation: RemainingTime;
  /** With QuickSight: gives the analyst role its login. @default - no login is given */
  readonly setAnalystLogin?: (warehouse: Pool) => Promise<unknown>;
  readonly logger: StageLogger;
}

/**
 * One request of CloudFormation handled end to end: the warehouse prepared (or left alone, on
 * Delete), the outcome logged, and CloudFormation answered at the request's URL.
 *
 * @throws only when the answer could not be sent: Lambda's retry of the event then answers again
 * @example
 * const warehouse = stageDatabase('warehouse', 'load', context, 1);
 * await handleWarehouseRequest(event, { warehouse, invocation: context, logger });
 */
export async function handleWarehouseRequest(
  event: CustomResourceEvent,
  options: WarehouseRequestOptions,
): Promise<CustomResourceResponse> {
  const response = await answerWarehouseRequest(event, () =>
    beforeTimeout(options.invocation, async () => {
      try {
        return await prepareWarehouse(await options.warehouse.open(), options.setAnalystLogin);
      } finally {
        await options.warehouse.end();
      }
    }),
  );
  options.logger.info(`Answered CloudFormation's ${event.RequestType} of the warehouse schema`, {
    status: response.Status,
    ...(response.Reason ? { reason: response.Reason } : {}),
    ...(response.Data ?? {}),
  });
  await sendCustomResourceResponse(event, response);
  return response;
}

/**
 * `work`'s result, or an error once the invocation has only {@link ANSWER_MARGIN_MS} left. What
 * hangs without a bound of its own is a call to Secrets Manager from subnets with no route to it.
 */
async function beforeTimeout<T>(invocation: RemainingTime, work: () => Promise<T>): Promise<T> {
  const budget = Math.max(0, invocation.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TransientError(
            `it did not finish within ${Math.round(budget / 1000)} s, the function's time less what answering takes: check that the function's subnets reach Secrets Manager and the warehouse`,
          ),
        ),
      budget,
    );
  });
  try {
    return await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}
