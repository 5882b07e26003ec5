import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { MANIFEST_PREFIX, MANIFEST_SUFFIX } from '../contract/key-layout';
import { acknowledge } from './nag';
import { PipelineFunction, type StageFunctionOptions } from './pipeline-function';
import { connectStage } from './grants';

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
    });
    const fn = this.stage.function;
    const { findings } = connectStage(this.stage, {
      buckets: { landing: props.landing, processed: props.processed },
    });

    props.landing.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn), {
      prefix: MANIFEST_PREFIX,
      suffix: MANIFEST_SUFFIX,
    });

    acknowledge(
      this.stage,
      'Transform reads batch objects under each source table prefix and manifests/ of landing, writes Parquet under each warehouse table prefix, manifests/, state/ and runs/ (its run record) of processed, and quarantines refused objects; batch ids are only known at run time, so the wildcards stop at those prefixes.',
      findings,
    );
  }
}
