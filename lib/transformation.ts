import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageFunctionOptions } from './pipeline-function';
import { PipelineStage } from './pipeline-stage';

export interface TransformationProps extends StageFunctionOptions {
  readonly landing: s3.IBucket;
  readonly processed: s3.IBucket;
}

/**
 * Turns each landing batch into Parquet shaped like the warehouse tables, run by the landing
 * manifest: the manifest is written last, so its event means the whole batch is there.
 */
export class Transformation extends Construct {
  public readonly stage: PipelineStage;

  constructor(scope: Construct, id: string, props: TransformationProps) {
    super(scope, id);

    this.stage = new PipelineStage(this, 'Transform', {
      ...props,
      stage: 'transform',
      entry: 'lambdas/transform/handler.ts',
      // One run at a time: the snapshots under state/ are read, merged and written back whole,
      // so two concurrent batches would each overwrite the other's changes. Later batches wait
      // in Lambda's async queue (throttled, retried) rather than racing.
      reservedConcurrentExecutions: 1,
      resources: { buckets: { landing: props.landing, processed: props.processed } },
      trigger: 'landing',
    });
  }
}
