import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  operationsParameterName,
  pausedTablesParameterName,
  type OperationsParameter,
  type ReplayedStage,
} from '../contract/operations';
import { MANIFEST_PREFIX, RUNS_PREFIX } from '../contract/key-layout';
import {
  DELETES_STATE_PARAMETER,
  SCHEMA_CHANGES_PARAMETER,
  type DatabaseRole,
} from '../contract/stage-access';
import type { DatabaseConnection } from './grants';
import type { WatchedQueue } from './monitoring';
import { acknowledge, nagArn, prefixFindings } from './nag';

export interface OperatorAccessProps {
  readonly environment: string;
  /** Prefix of the operator policy's name, e.g. `deliverance-prod`. */
  readonly namePrefix: string;
  readonly watermarkParameterPrefix: string;
  readonly landing: s3.IBucket;
  readonly processed: s3.IBucket;
  /** The key both buckets encrypt their objects with. */
  readonly storageKey: kms.IKey;
  readonly functions: Readonly<Record<'ingest' | ReplayedStage, lambda.IFunction>>;
  /** Every dead-letter queue, for its depth; those of the replayed stages are also redriven. */
  readonly deadLetterQueues: readonly WatchedQueue[];
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The topic the alarms notify, published for doctor's check of its subscriptions. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The databases' secrets and the endpoints the context sets, named for doctor, which reads the
   * secrets with the caller's own rights and connects as the functions do.
   */
  readonly databases: Readonly<
    Record<DatabaseRole, Pick<DatabaseConnection, 'secret' | 'endpoint'>>
  >;
}

/**
 * What the `deliverance` command line needs against this stack: one SSM parameter naming the
 * stack's buckets, functions, queues, watermark prefix and alarms
 * (`/deliverance/<environment>/operations`), and a managed policy granting exactly the requests
 * its commands make, to attach to the admins' role or group (docs/operations.md, "Operator access").
 */
export class OperatorAccess extends Construct {
  public readonly parameter: ssm.StringParameter;
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = props.watermarkParameterPrefix.replace(/\/$/, '');
    const published: OperationsParameter = {
      version: 1,
      environment: props.environment,
      landingBucket: props.landing.bucketName,
      processedBucket: props.processed.bucketName,
      watermarkParameterPrefix: prefix,
      functions: {
        ingest: props.functions.ingest.functionName,
        transform: props.functions.transform.functionName,
        load: props.functions.load.functionName,
      },
      deadLetterQueues: props.deadLetterQueues.map((q) => ({
        name: q.name,
        url: q.queue.queueUrl,
      })),
      alarms: props.alarms.map((a) => a.alarmName),
      alarmTopicArn: props.alarmTopic.topicArn,
      databaseSecrets: {
        source: secretReference(props.databases.source.secret),
        warehouse: secretReference(props.databases.warehouse.secret),
      },
      databaseEndpoints: {
        source: props.databases.source.endpoint ?? {},
        warehouse: props.databases.warehouse.endpoint ?? {},
      },
    };
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: operationsParameterName(props.environment),
      description: 'Deliverance: what the deliverance command line needs to operate this stack',
      stringValue: stack.toJsonString(published),
    });

    const parameterArn = (name: string) =>
      stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) });
    const replayed = (['transform', 'load'] as const).map((stage) => props.functions[stage]);
    const redriven = props.deadLetterQueues.filter(
      (q) => q.name === 'transform' || q.name === 'load',
    );
    const objects = (prefixes: readonly string[]) =>
      [props.landing, props.processed].flatMap((bucket) =>
        prefixes.map((p) => bucket.arnForObjects(`${p}*`)),
      );
    const statement = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: iam.Conditions,
    ) =>
      new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) });

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: `${props.namePrefix}-operator`,
      description:
        'Deliverance: the deliverance command line against this stack (status, doctor, replay, redrive, pause, resume, resync, deletes)',
      statements: [
        statement('FindTheStack', ['ssm:GetParameter'], [this.parameter.parameterArn]),
        // status reads them; pause/resume write the paused tables, resync sets a watermark back.
        statement(
          'Watermarks',
          ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
          [parameterArn(`${prefix}/watermarks/*`)],
        ),
        statement(
          'PausedTables',
          ['ssm:GetParameter', 'ssm:PutParameter'],
          [parameterArn(pausedTablesParameterName(prefix))],
        ),
        // status and doctor show the schema changes the ingest found; only the ingest writes them.
        statement(
          'SchemaChanges',
          ['ssm:GetParameter'],
          [parameterArn(`${prefix}/${SCHEMA_CHANGES_PARAMETER}`)],
        ),
        // The run log and the manifests: status, and replay's check that the batch exists.
        statement('ReadRunLog', ['s3:GetObject'], objects([RUNS_PREFIX, MANIFEST_PREFIX])),
        // Unconditional: S3 answers a missing key (a stage with no record yet) with 404 only to
        // a caller who may list the bucket, and checks that without a prefix; else with 403.
        statement(
          'ListRunLog',
          ['s3:ListBucket'],
          [props.landing.bucketArn, props.processed.bucketArn],
        ),
        statement('DecryptObjects', ['kms:Decrypt'], [props.storageKey.keyArn], {
          StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
        }),
        statement(
          'ReplayAndRedrive',
          ['lambda:InvokeFunction'],
          replayed.map((fn) => fn.functionArn),
        ),
        // deletes --env: a reconciliation now is an ingest run asked for it.
        statement(
          'ReconcileDeletes',
          ['lambda:InvokeFunction'],
          [props.functions.ingest.functionArn],
        ),
        // status shows what the deletes guard holds.
        statement(
          'DeletesState',
          ['ssm:GetParameter'],
          [parameterArn(`${prefix}/${DELETES_STATE_PARAMETER}`)],
        ),
        statement(
          'QueueDepths',
          ['sqs:GetQueueAttributes'],
          props.deadLetterQueues.map((q) => q.queue.queueArn),
        ),
        statement(
          'Redrive',
          ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
          redriven.map((q) => q.queue.queueArn),
        ),
        statement(
          'AlarmStates',
          ['cloudwatch:DescribeAlarms'],
          props.alarms.map((a) => a.alarmArn),
        ),
        // doctor: an admin who never confirmed the e-mail receives no alarm.
        statement(
          'AlarmSubscriptions',
          ['sns:ListSubscriptionsByTopic'],
          [props.alarmTopic.topicArn],
        ),
      ],
    });
    acknowledge(
      this.policy,
      'The operator reads the run log and manifests, whose batch ids are only known at run time, and one SSM parameter per table under <prefix>/watermarks/; the wildcards stop at those prefixes.',
      [
        ...prefixFindings(props.landing, [RUNS_PREFIX, MANIFEST_PREFIX]),
        ...prefixFindings(props.processed, [RUNS_PREFIX, MANIFEST_PREFIX]),
        `AwsSolutions-IAM5[Resource::${nagArn(this, 'ssm', `parameter${prefix}/watermarks/*`)}]`,
      ],
    );
  }
}

/** The secret as the functions are told it: its complete ARN when known, else its name. */
function secretReference(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? secret.secretName;
}
