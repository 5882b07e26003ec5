import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { EventType } from 'aws-cdk-lib/aws-s3';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MANIFEST_PREFIX, MANIFEST_SUFFIX } from '../contract/key-layout';
import type { DatabaseEndpoint } from '../contract/stage-access';
import { acknowledge } from './nag';
import { PipelineFunction, type StageFunctionOptions } from './pipeline-function';
import { connectStage, grantSecretValue } from './grants';

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
  public readonly stage: PipelineFunction;

  constructor(scope: Construct, id: string, props: LoadingProps) {
    super(scope, id);

    this.stage = new PipelineFunction(this, 'Load', {
      ...props,
      stage: 'load',
      entry: 'lambdas/load/handler.ts',
      // Concurrent loads are safe (each batch commits in one transaction and the load log
      // makes a replay a no-op), but they queue on the same rows in the warehouse. A small cap
      // keeps a replayed backlog from opening more connections than the database allows.
      reservedConcurrentExecutions: 2,
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        // Migrations and analyst views are read from disk at run time, so they travel inside
        // the bundle, under sql/ of the task root, where the migration runner looks.
        afterBundling: (inputDir: string, outputDir: string) => [
          `mkdir -p "${outputDir}/sql"`,
          `cp -R "${inputDir}/sql/warehouse" "${outputDir}/sql/warehouse"`,
          `cp -R "${inputDir}/sql/views" "${outputDir}/sql/views"`,
        ],
      },
    });
    const fn = this.stage.function;

    const { findings } = connectStage(this.stage, {
      buckets: { processed: props.processed },
      databases: {
        warehouse: {
          secret: props.warehouseSecret,
          secretKey: props.warehouseSecretKey,
          endpoint: props.warehouseEndpoint,
        },
      },
    });

    props.processed.addEventNotification(EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
      prefix: MANIFEST_PREFIX,
      suffix: MANIFEST_SUFFIX,
    });

    acknowledge(
      this.stage,
      'Load reads Parquet under each warehouse table prefix and manifests/ of processed, writes its run record under runs/, and quarantines refused objects; batch ids are only known at run time, so the wildcards stop at those prefixes.',
      findings,
    );
  }

  /**
   * Makes the load function keep the read-only analyst role's password equal to `secret`'s
   * (`lambdas/load/analyst-role.ts`): the migration creates the role, the function gives it LOGIN.
   */
  setsAnalystPassword(secret: secretsmanager.ISecret): void {
    this.stage.function.addEnvironment(
      'ANALYST_SECRET_ID',
      secret.secretFullArn ?? secret.secretName,
    );
    grantSecretValue(this.stage.function, secret);
  }
}
