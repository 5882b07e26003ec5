import { Logger } from '@aws-lambda-powertools/logger';
import { BUCKET_ENV } from '../../contract/stage-access';
import type { CustomResourceEvent } from '../shared/adapters/custom-resource';
import {
  asStageLogger,
  requiredEnv,
  stageHandler,
  stageHooks,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { readSecret } from '../shared/adapters/secrets-manager';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { analystPasswordSync } from './analyst-role';
import { metricsOf } from './metrics';
import { loadStage, type LoadRun } from './load-stage';
import { handleWarehouseRequest } from './warehouse-preparation';

const telemetry = stageTelemetry('load');
const s3 = createS3Client();
// Set when the stack has an analyst secret (QuickSight on): its password becomes the role's.
const analystSecretId = process.env.ANALYST_SECRET_ID;
const syncAnalystPassword = analystSecretId ? analystPasswordSync(analystSecretId) : undefined;
/** Migrations run on the container's first invocation only. */
const schema = { migrated: false };

/** Runs on the processed bucket's manifest-created events; each manifest is one batch. */
export const handler = stageHandler(
  telemetry,
  async (event: S3EventLike, context: RemainingTime): Promise<LoadRun[]> => {
    const warehouse = stageDatabase('warehouse', 'load', context, 2);
    const load = loadStage({
      processed: new S3ObjectStore(s3, requiredEnv(BUCKET_ENV.processed)),
      warehouse: warehouse.open,
      schema,
      onWarehouseReady: async (pool) => {
        if (await syncAnalystPassword?.(pool)) {
          telemetry.logger.info("Set the analyst role's password");
        }
      },
      invocation: context,
      ...stageHooks(telemetry, metricsOf),
    });
    try {
      return await load.handle(objectKeysOf(event));
    } finally {
      await warehouse.end();
    }
  },
);

/**
 * The warehouse schema custom resource's requests (lib/warehouse-preparation.ts), run from this
 * bundle so that the deploy applies the very migrations its load applies. Always answers
 * CloudFormation; throws only when the answer could not be sent, so Lambda's retry sends it.
 */
export const prepareHandler = async (
  event: CustomResourceEvent,
  context: RemainingTime,
): Promise<void> => {
  await handleWarehouseRequest(event, {
    warehouse: stageDatabase('warehouse', 'load', context, 1),
    invocation: context,
    // The secret's value now, not one a warm container cached: a deploy may follow a new value.
    ...(analystSecretId
      ? {
          setAnalystLogin: analystPasswordSync(
            analystSecretId,
            async (id) => (await readSecret(id, { fresh: true })) as string | undefined,
          ),
        }
      : {}),
    logger: asStageLogger(new Logger()),
  });
};
