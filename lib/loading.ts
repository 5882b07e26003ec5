import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { EventType } from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge, GRANT_ACTION_FINDINGS, prefixFindings } from './nag';
import { PipelineFunction, type StageFunctionOptions } from './pipeline-function';
import {
  MANIFEST_PREFIX,
  MANIFEST_SUFFIX,
  QUARANTINE_PREFIX,
  RUNS_PREFIX,
  WAREHOUSE_TABLES,
} from './pipeline-tables';

/** Where the load function finds the warehouse migrations inside its deployment package. */
export const MIGRATIONS_DIR = '/var/task/sql/warehouse';

export interface LoadingProps extends StageFunctionOptions {
  readonly processed: s3.IBucket;
  /** Read for reconciliation: each batch's landing manifest, and the batch sequence. */
  readonly landing: s3.IBucket;
  /** Connection to the warehouse: `{"host","port","username","password","dbname"}`. */
  readonly warehouseSecret: secretsmanager.ISecret;
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
      environment: {
        PROCESSED_BUCKET: props.processed.bucketName,
        LANDING_BUCKET: props.landing.bucketName,
        WAREHOUSE_SECRET_ID:
          props.warehouseSecret.secretFullArn ?? props.warehouseSecret.secretName,
        MIGRATIONS_DIR,
      },
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        // Migrations and analyst views are read from disk at run time, so they travel inside
        // the bundle; the views sit beside MIGRATIONS_DIR, where the migration runner looks.
        afterBundling: (inputDir: string, outputDir: string) => [
          `mkdir -p "${outputDir}/sql"`,
          `cp -R "${inputDir}/sql/warehouse" "${outputDir}/sql/warehouse"`,
          `cp -R "${inputDir}/sql/views" "${outputDir}/sql/views"`,
        ],
      },
    });
    const fn = this.stage.function;

    for (const table of WAREHOUSE_TABLES) props.processed.grantRead(fn, `${table}/*`);
    props.processed.grantRead(fn, `${MANIFEST_PREFIX}*`);
    props.processed.grantPut(fn, `${QUARANTINE_PREFIX}*`);
    props.processed.grantReadWrite(fn, `${RUNS_PREFIX}*`);
    props.landing.grantRead(fn, `${MANIFEST_PREFIX}*`);
    props.warehouseSecret.grantRead(fn);

    props.processed.addEventNotification(EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
      prefix: MANIFEST_PREFIX,
      suffix: MANIFEST_SUFFIX,
    });

    acknowledge(
      this.stage,
      'Load reads Parquet under each warehouse table prefix and manifests/ of processed, writes its run record under runs/, reads landing manifests/ to reconcile counts, and quarantines refused objects; batch ids are only known at run time, so the wildcards stop at those prefixes.',
      [
        ...GRANT_ACTION_FINDINGS,
        ...prefixFindings(props.processed, [
          ...WAREHOUSE_TABLES,
          MANIFEST_PREFIX,
          QUARANTINE_PREFIX,
          RUNS_PREFIX,
        ]),
        ...prefixFindings(props.landing, [MANIFEST_PREFIX]),
      ],
    );
  }
}
