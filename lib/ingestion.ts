import { Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IngestSchedule } from './config';
import { tuningEnvironment } from '../contract/settings';
import type { DatabaseEndpoint } from '../contract/stage-access';
import { acknowledge } from './nag';
import type { StageFunctionOptions } from './pipeline-function';
import { PipelineStage } from './pipeline-stage';

export interface IngestionProps extends StageFunctionOptions {
  readonly landing: s3.IBucket;
  /**
   * Connection to totesys: `{"host","port","username","password","dbname"}`, or an RDS-managed
   * `{"username","password"}` with `sourceEndpoint`.
   */
  readonly sourceSecret: secretsmanager.ISecret;
  /** The customer-managed key `sourceSecret` is encrypted with. @default - none to grant */
  readonly sourceSecretKey?: kms.IKey;
  /** Host, port and database name that win over the secret's. @default - the secret's */
  readonly sourceEndpoint?: DatabaseEndpoint;
  /** SSM path, e.g. `/deliverance/prod`; watermarks are `<prefix>/watermarks/<table>`. */
  readonly watermarkParameterPrefix: string;
  /** Seconds re-read behind each watermark. @default TUNINGS.overlapSeconds.default */
  readonly overlapSeconds?: number;
  /** Rows per source table per batch. @default TUNINGS.maxBatchRows.default */
  readonly maxBatchRows?: number;
  /**
   * Seconds past the source's clock before a row is reported as future-stamped.
   * @default TUNINGS.futureToleranceSeconds.default
   */
  readonly futureToleranceSeconds?: number;
  /** A new source column: `evolve`, `freeze`, `evolve,payment=freeze`. @default 'evolve' */
  readonly schemaContract?: string;
  /**
   * The warehouse's connection, read only: the deletes reconciliation compares the keys it holds
   * with the source's, in a read-only transaction.
   */
  readonly warehouseSecret: secretsmanager.ISecret;
  /** The customer-managed key `warehouseSecret` is encrypted with. @default - none to grant */
  readonly warehouseSecretKey?: kms.IKey;
  /** Host, port and database name that win over the secret's. @default - the secret's */
  readonly warehouseEndpoint?: DatabaseEndpoint;
  /**
   * When each table's deletes reconciliation comes round: a schedule expression, then per-table
   * overrides, `rate(1 day),payment=cron(0 2 * * ? *)`. @default 'rate(1 day)'
   */
  readonly deletesSchedule?: string;
  /** Tombstones per table per run. @default TUNINGS.maxDeletesPerRun.default */
  readonly maxDeletesPerRun?: number;
  /**
   * The guard's share of a table, in percent, then per-table overrides, `5,payment=20`.
   * @default '5'
   */
  readonly deletesGuardPercent?: string;
  /** One EventBridge schedule per entry; see `ingestSchedules` in config.ts. */
  readonly schedules: readonly IngestSchedule[];
}

/**
 * Reads changed totesys rows on a schedule and writes them to landing, manifest last.
 */
export class Ingestion extends Construct {
  public readonly stage: PipelineStage;
  /** Schedule invocations EventBridge Scheduler could not deliver after its retries. */
  public readonly scheduleDeadLetterQueue: sqs.Queue;
  public readonly schedules: scheduler.Schedule[];

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);

    this.stage = new PipelineStage(this, 'Ingest', {
      ...props,
      stage: 'ingest',
      entry: 'lambdas/ingest/handler.ts',
      // One run at a time: two runs would read the same watermark, both advance it, and the
      // slower one could move it back. A run that finds the slot taken is throttled and Lambda
      // retries it from its async queue, so no schedule tick is lost.
      reservedConcurrentExecutions: 1,
      environment: tuningEnvironment('ingest', props),
      resources: {
        buckets: { landing: props.landing },
        databases: {
          source: {
            secret: props.sourceSecret,
            secretKey: props.sourceSecretKey,
            endpoint: props.sourceEndpoint,
          },
          warehouse: {
            secret: props.warehouseSecret,
            secretKey: props.warehouseSecretKey,
            endpoint: props.warehouseEndpoint,
          },
        },
        parameterPrefix: props.watermarkParameterPrefix,
      },
    });
    const fn = this.stage.function;

    this.scheduleDeadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.scheduleDeadLetterQueue,
      'This queue is itself the dead-letter queue of the ingest schedules; nothing consumes it but an operator.',
      ['AwsSolutions-SQS3'],
    );

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Deliverance ingest schedules: invoke the ingest function',
    });
    const fnLogicalId = Stack.of(this).getLogicalId(fn.node.defaultChild as CfnElement);
    acknowledge(
      scheduleRole,
      'Lambda grantInvoke also covers the versions and aliases of the one ingest function (<arn>:*); it reaches no other function.',
      [`AwsSolutions-IAM5[Resource::<${fnLogicalId}.Arn>:*]`],
    );

    this.schedules = props.schedules.map(
      (schedule, index) =>
        new scheduler.Schedule(this, index === 0 ? 'Schedule' : `Schedule${index}`, {
          description: schedule.tables
            ? `Deliverance ingest of ${schedule.tables.join(', ')}`
            : 'Deliverance ingest of every table',
          schedule: scheduler.ScheduleExpression.expression(schedule.expression),
          target: new targets.LambdaInvoke(fn, {
            role: scheduleRole,
            input: scheduler.ScheduleTargetInput.fromObject(
              schedule.tables ? { tables: schedule.tables } : {},
            ),
            // A tick older than a few intervals is superseded by the next one: the watermark
            // makes the next run read everything the missed one would have.
            maxEventAge: Duration.hours(1),
            retryAttempts: 3,
            deadLetterQueue: this.scheduleDeadLetterQueue,
          }),
        }),
    );
    // Not even the first tick after a deploy may run before the function can continue a backlog.
    const { invokeSelf } = this.stage;
    if (invokeSelf) for (const tick of this.schedules) tick.node.addDependency(invokeSelf);
  }
}
