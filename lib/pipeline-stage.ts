import type * as iam from 'aws-cdk-lib/aws-iam';
import { EventType } from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { MANIFEST_PREFIX, MANIFEST_SUFFIX } from '../contract/key-layout';
import { STAGE_ACCESS } from '../contract/stage-access';
import type { BucketRole } from '../contract/storage-access';
import { connectStage, type StageResources } from './grants';
import { accessReason, acknowledge } from './nag';
import { PipelineFunction, type PipelineFunctionProps } from './pipeline-function';

export interface PipelineStageProps extends PipelineFunctionProps {
  /** The stack's resources; the stage's declared access picks the ones it is given. */
  readonly resources: StageResources;
  /**
   * The bucket whose created manifests (`manifests/*.json`) run the stage: each is one batch,
   * written last, so its event means the whole batch is there.
   * @default - none: the stage is run some other way (ingest: a schedule)
   */
  readonly trigger?: BucketRole;
}

/**
 * A stage's function connected as `contract/stage-access.ts` declares: its grants and the
 * environment naming what they reach (`connectStage`), the cdk-nag reason for their wildcards
 * written from the same declaration, and the manifest events that run it.
 */
export class PipelineStage extends PipelineFunction {
  /** The policy letting the function invoke itself, when its access says it does. */
  public readonly invokeSelf?: iam.Policy;

  constructor(scope: Construct, id: string, props: PipelineStageProps) {
    super(scope, id, props);
    const { findings, invokeSelf } = connectStage(this, props.resources);
    if (invokeSelf) this.invokeSelf = invokeSelf;
    const name = `${props.stage[0]?.toUpperCase()}${props.stage.slice(1)}`;
    acknowledge(this, accessReason(name, STAGE_ACCESS[props.stage]), findings);
    if (props.trigger) {
      const bucket = props.resources.buckets[props.trigger];
      if (!bucket)
        throw new Error(
          `The ${props.stage} stage is run by the ${props.trigger} bucket, which the stack did not give it`,
        );
      bucket.addEventNotification(
        EventType.OBJECT_CREATED,
        new s3n.LambdaDestination(this.function),
        {
          prefix: MANIFEST_PREFIX,
          suffix: MANIFEST_SUFFIX,
        },
      );
    }
  }
}
