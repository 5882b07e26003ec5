import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { acknowledge, GRANT_ACTION_FINDINGS, prefixFindings } from './nag';
import { PipelineFunction, type StageFunctionOptions } from './pipeline-function';
import {
  MANIFEST_PREFIX,
  MANIFEST_SUFFIX,
  QUARANTINE_PREFIX,
  RUNS_PREFIX,
  SOURCE_TABLES,
  STATE_PREFIX,
  WAREHOUSE_TABLES,
} from './pipeline-tables';

export interface TransformationProps extends StageFunctionOptions {
  readonly landing: s3.IBucket;
  readonly processed: s3.IBucket;
}

/**
 * Turns each landing batch into Parquet shaped like the warehouse tables, run by the landing
 * manifest: the manifest is written last, so its event means the whole batch is there.
 */
export class Transformation extends Construct {
  public readonly stage: PipelineFunction;

  constructor(scope: Construct, id: string, props: TransformationProps) {
    super(scope, id);

    this.stage = new PipelineFunction(this, 'Transform', {
      ...props,
      stage: 'transform',
      entry: 'lambdas/transform/handler.ts',
      // One run at a time: the snapshots under state/ are read, merged and written back whole,
      // so two concurrent batches would each overwrite the other's changes. Later batches wait
      // in Lambda's async queue (throttled, retried) rather than racing.
      reservedConcurrentExecutions: 1,
      environment: {
        LANDING_BUCKET: props.landing.bucketName,
        PROCESSED_BUCKET: props.processed.bucketName,
      },
    });
    const fn = this.stage.function;

    for (const table of SOURCE_TABLES) props.landing.grantRead(fn, `${table}/*`);
    props.landing.grantRead(fn, `${MANIFEST_PREFIX}*`);
    props.landing.grantPut(fn, `${QUARANTINE_PREFIX}*`);
    for (const table of WAREHOUSE_TABLES) props.processed.grantPut(fn, `${table}/*`);
    props.processed.grantPut(fn, `${MANIFEST_PREFIX}*`);
    props.processed.grantReadWrite(fn, `${STATE_PREFIX}*`);
    props.processed.grantReadWrite(fn, `${RUNS_PREFIX}*`);

    props.landing.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
      prefix: MANIFEST_PREFIX,
      suffix: MANIFEST_SUFFIX,
    });

    acknowledge(
      this.stage,
      'Transform reads batch objects under each source table prefix and manifests/ of landing, writes Parquet under each warehouse table prefix, manifests/, state/ and runs/ (its run record) of processed, and quarantines refused objects; batch ids are only known at run time, so the wildcards stop at those prefixes.',
      [
        ...GRANT_ACTION_FINDINGS,
        ...prefixFindings(props.landing, [...SOURCE_TABLES, MANIFEST_PREFIX, QUARANTINE_PREFIX]),
        ...prefixFindings(props.processed, [
          ...WAREHOUSE_TABLES,
          MANIFEST_PREFIX,
          STATE_PREFIX,
          RUNS_PREFIX,
        ]),
      ],
    );
  }
}
