import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ANALYST_SECRET_ENV } from '../contract/settings';
import type { DatabaseEndpoint } from '../contract/stage-access';
import type { PipelineFunctionProps, StageFunctionOptions } from './pipeline-function';
import { PipelineStage } from './pipeline-stage';
import { grantSecretValue } from './grants';

/** The SQL the load's bundle carries, relative to the repository root and to the task root. */
export const LOAD_SQL_FOLDERS = ['sql/warehouse', 'sql/views'] as const;

/**
 * The load's bundle: its handlers, and the migrations and analyst views its migration runner
 * reads from disk at run time, under sql/ of the task root where the runner looks. The deploy's
 * warehouse preparation runs the same bundle (lib/warehouse-preparation.ts).
 */
export const LOAD_BUNDLE = {
  entry: 'lambdas/load/handler.ts',
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/sql"`,
      ...LOAD_SQL_FOLDERS.map((folder) => `cp -R "${inputDir}/${folder}" "${outputDir}/${folder}"`),
    ],
  },
} as const satisfies Pick<PipelineFunctionProps, 'entry' | 'commandHooks'>;

export interface LoadingProps extends StageFunctionOptions {
  readonly processed: s3.IBucket;
  /**
   * Connection to the warehouse: `{"host","port","username","password","dbname"}`, or an
   * RDS-managed `{"username","password"}` with `warehouseEndpoint`.
   */
  readonly warehouseSecret: secretsmanager.ISecret;
  /** The customer-managed key `warehouseSecret` is encrypted with. @default - none to grant */
  readonly warehouseSecretKey?: kms.IKey;
  /** Host, port and database name that win over the secret's. @default - the secret's */
  readonly warehouseEndpoint?: DatabaseEndpoint;
}

/**
 * Upserts each processed batch into the warehouse in one transaction, run by the processed
 * manifest; it applies pending migrations from `sql/warehouse` (and re-creates the analyst
 * views of `sql/views`) first.
 */
export class Loading extends Construct {
  public readonly stage: PipelineStage;

  constructor(scope: Construct, id: string, props: LoadingProps) {
    super(scope, id);

    this.stage = new PipelineStage(this, 'Load', {
      ...props,
      ...LOAD_BUNDLE,
      stage: 'load',
      // Concurrent loads are safe (each batch commits in one transaction and the load log
      // makes a replay a no-op), but they queue on the same rows in the warehouse. A small cap
      // keeps a replayed backlog from opening more connections than the database allows.
      reservedConcurrentExecutions: 2,
      resources: {
        buckets: { processed: props.processed },
        databases: {
          warehouse: {
            secret: props.warehouseSecret,
            secretKey: props.warehouseSecretKey,
            endpoint: props.warehouseEndpoint,
          },
        },
      },
      trigger: 'processed',
    });
  }

  /**
   * Makes the load function keep the read-only analyst role's password equal to `secret`'s
   * (`lambdas/load/analyst-role.ts`): the migration creates the role, the function gives it LOGIN.
   */
  setsAnalystPassword(secret: secretsmanager.ISecret): void {
    givesAnalystSecret(this.stage.function, secret);
  }
}

/**
 * Lets a function of the load's bundle read the analyst secret, and names it in its environment
 * (`ANALYST_SECRET_ID`, read by `lambdas/load/handler.ts`).
 */
export function givesAnalystSecret(fn: lambda.Function, secret: secretsmanager.ISecret): void {
  fn.addEnvironment(ANALYST_SECRET_ENV, secret.secretFullArn ?? secret.secretName);
  grantSecretValue(fn, secret);
}
