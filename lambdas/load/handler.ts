import { Logger } from '@aws-lambda-powertools/logger';
import type { DatabaseSettings } from '../../contract/settings';
import { WAREHOUSE_PREPARATION_ACCESS } from '../../contract/stage-access';
import type { CustomResourceEvent } from '../shared/adapters/custom-resource';
import {
  asStageLogger,
  stageHandler,
  stageHooks,
  stageTelemetry,
} from '../shared/adapters/powertools';
import { objectKeysOf, type S3EventLike } from '../shared/adapters/s3-event';
import { readSecret } from '../shared/adapters/secrets-manager';
import { createS3Client, S3ObjectStore } from '../shared/adapters/s3-object-store';
import { stageDatabase } from '../shared/adapters/stage-database';
import { readAccessSettings, readStageSettings } from '../shared/adapters/stage-settings';
import type { RemainingTime } from '../shared/ports/remaining-time';
import { analystPasswordSync } from './analyst-role';
import { metricsOf } from './metrics';
import { loadStage, type LoadRun } from './load-stage';
import { handleWarehouseRequest } from './warehouse-preparation';

const telemetry = stageTelemetry('load');
const s3 = createS3Client();
// Made once the stack names an analyst secret (QuickSight on), and kept: it remembers the
// password it set, so a warm container does not set it again on every batch.
let syncAnalystPassword: ReturnType<typeof analystPasswordSync> | undefined;
/** Migrations run on the container's first invocation only. */
const schema = { migrated: false };

/** Runs on the processed bucket's manifest-created events; each manifest is one batch. */
export const handler = stageHandler(
  telemetry,
  async (event: S3EventLike, context: RemainingTime): Promise<LoadRun[]> => {
    const settings = readStageSettings('load', process.env);
    if (settings.analystSecretId) {
      syncAnalystPassword ??= analystPasswordSync(settings.analystSecretId);
    }
    const warehouse = stageDatabase(() => settings.databases.warehouse, 'load', context, 2);
    const load = loadStage({
      processed: new S3ObjectStore(s3, settings.buckets.processed),
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
  // Read within the request, so that a setting's problem is answered FAILED, not left unanswered.
  const settings = () =>
    readAccessSettings(WAREHOUSE_PREPARATION_ACCESS, 'warehouse preparation', process.env);
  await handleWarehouseRequest(event, {
    warehouse: stageDatabase(
      () => settings().databases.warehouse as DatabaseSettings,
      'load',
      context,
      1,
    ),
    invocation: context,
    // With QuickSight on; the secret's value now, not one a warm container cached: a deploy may
    // follow a new value.
    setAnalystLogin: async (pool) => {
      const { analystSecretId } = settings();
      if (!analystSecretId) return false;
      const fresh = async (id: string) =>
        (await readSecret(id, { fresh: true })) as string | undefined;
      return analystPasswordSync(analystSecretId, fresh)(pool);
    },
    logger: asStageLogger(new Logger()),
  });
};
