import { Annotations, ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRICS,
  METRICS_NAMESPACE,
  ROWS_MOVED,
  STAGE_DIMENSION,
  type MetricName,
} from '../contract/metrics';
import { FRESHNESS_ALARM, FRESHNESS_THRESHOLD_SECONDS } from '../contract/freshness';
import type { StageName } from '../contract/stages';
import type { PipelineFunction } from './pipeline-function';

/** A dead-letter queue to watch, with the name its alarm and dashboard line carry. */
export interface WatchedQueue {
  readonly name: string;
  readonly queue: sqs.IQueue;
}

export interface MonitoringProps {
  /** Prefix of alarm and dashboard names, e.g. `deliverance-prod`. */
  readonly namePrefix: string;
  readonly stages: readonly PipelineFunction[];
  readonly deadLetterQueues: readonly WatchedQueue[];
  /** Confirmed subscribers receive every alarm and its recovery. @default - none */
  readonly adminEmails?: readonly string[];
  /** Alarm when no ingest run succeeds for this long. @default Duration.minutes(30) */
  readonly ingestAlarmPeriod?: Duration;
  /**
   * Alarm when the newest loaded source change is older.
   * @default Duration.seconds(FRESHNESS_THRESHOLD_SECONDS), 30 minutes
   */
  readonly freshnessThreshold?: Duration;
  /** Of the topic's KMS key. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

const FIVE_MINUTES = Duration.minutes(5);

const freshnessThreshold = (props: MonitoringProps) =>
  props.freshnessThreshold ?? Duration.seconds(FRESHNESS_THRESHOLD_SECONDS);

/** Alarms to the admins' e-mail, and one dashboard of the whole pipeline. */
export class Monitoring extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const prefix = props.namePrefix;
    this.namePrefix = prefix;

    const key = new kms.Key(this, 'TopicKey', {
      description: 'Deliverance alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarms as a service: without this it cannot encrypt the message.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Deliverance ${prefix} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, and a topic policy replaces SNS's default one: without
    // this statement nothing lets CloudWatch publish, and every alarm action fails unseen.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${prefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    for (const email of props.adminEmails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    if ((props.adminEmails ?? []).length === 0) {
      Annotations.of(this).addWarningV2(
        'deliverance:no-admin-emails',
        'No admin e-mail is configured (deliverance:adminEmails): the alarms will reach nobody.',
      );
    }

    for (const { function: fn, stage } of props.stages) {
      this.alarm(`${stage}-errors`, {
        alarmDescription: `The ${stage} function failed in 2 of the last 3 five-minute periods. Its logs name the batch; events that exhausted their retries are in the ${stage} dead-letter queue.`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    for (const { stage } of props.stages) {
      this.alarm(`${stage}-fatal-errors`, {
        alarmDescription: `The ${stage} stopped at a fatal error: a configuration or code fault (a missing or invalid setting, the paused tables, a secret of the wrong shape, a refused watermark, counts that do not reconcile). It is not retried and not dead-lettered. The ${stage} log line "The ${stage} stopped at a fatal error" and deliverance status name it and what to do; once it is fixed the next run picks up the batches owed (docs/operations.md).`,
        metric: stageMetric('FatalErrors', cloudwatch.Stats.SUM, FIVE_MINUTES, stage),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    for (const { name, queue } of props.deadLetterQueues) {
      this.alarm(`${name}-dead-letters`, {
        alarmDescription: `Events are waiting in the ${name} dead-letter queue: a batch or a schedule tick failed every retry. Fix the cause, then replay the batch (docs/operations.md).`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    const ingestPeriod = props.ingestAlarmPeriod ?? Duration.minutes(30);
    this.alarm('ingest-not-succeeding', {
      alarmDescription: `No ingest run has succeeded for ${ingestPeriod.toMinutes()} minutes: landing is not receiving new data.`,
      metric: stageMetric('IngestSucceeded', cloudwatch.Stats.SUM, ingestPeriod),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // Silence is the failure this alarm exists for: a run that never starts emits nothing.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    const freshness = freshnessThreshold(props);
    this.alarm(FRESHNESS_ALARM, {
      alarmDescription: `The newest source change in the warehouse is more than ${freshness.toSeconds()} seconds old.`,
      metric: stageMetric('WarehouseFreshnessSeconds', cloudwatch.Stats.MAXIMUM),
      threshold: freshness.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // Between loads there is no data point; the other alarms cover a stage that stopped, so
      // this one keeps its last state instead of guessing.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });

    this.alarm('reconciliation-mismatch', {
      alarmDescription:
        'A loaded batch does not reconcile with its manifest (row counts differ). Check the load logs for the batch id.',
      metric: stageMetric('ReconciliationMismatch', cloudwatch.Stats.SUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const stage of ['transform', 'load'] as const) {
      this.alarm(`${stage}-batch-parked`, {
        alarmDescription: `A batch is parked at the ${stage}: an object its manifest names is missing. The batches after it go on; deliverance status lists the parked batch, its bucket and key. The alarm stays on until every parked batch is replayed or purged (docs/operations.md, "Parked batches").`,
        metric: stageMetric('ParkedBatches', cloudwatch.Stats.MAXIMUM, FIVE_MINUTES, stage),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // A gauge each invocation emits: between invocations the alarm keeps its state, so it
        // clears only when a run counts no parked batch, not when the stage goes quiet.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }

    this.alarm('future-stamped-rows', {
      alarmDescription:
        "Source rows are stamped later than the source's clock (a wrong client clock, a mistyped year): no ingest reads them until their time comes. deliverance status and the ingest log name the table and keys; correct their last_updated in the source.",
      metric: stageMetric('FutureStampedRows', cloudwatch.Stats.MAXIMUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarm('source-clock-step-back', {
      alarmDescription:
        "The source's TimeZone stepped back (a daylight-saving zone, a changed setting): rows stamped after the step are stamped behind what was read. The ingest moved the windows back by the step, so none is skipped; its log names the database, the zone and the tables. Keep the source's TimeZone fixed (UTC).",
      metric: stageMetric('SourceClockStepBack', cloudwatch.Stats.MAXIMUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarm('schema-change-stopped-tables', {
      alarmDescription:
        'A source table lost a column the warehouse uses, or one was retyped (or a new column came to a table whose schema contract is freeze): that table is stopped, its watermark unmoved, while the others go on. The ingest log names the database, table, column, before and after; deliverance status and doctor list the pending changes. Restore the column, or take the change into the catalogue (docs/extending.md).',
      metric: stageMetric('SchemaChangeStoppedTables', cloudwatch.Stats.MAXIMUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm('deletes-held', {
      alarmDescription:
        'A deletes reconciliation found more of a table gone from the source than the guard allows (deliverance:deletesGuardPercent, 5 % by default) and landed none of it: a truncated or wrongly restored source must not empty the warehouse. The ingest log and deliverance status name the table and the count; check the source, and if the deletes are real run deliverance deletes --table T --confirm (docs/operations.md, "<prefix>-deletes-held"). The alarm stays on until nothing is held.',
      metric: stageMetric('DeletesHeld', cloudwatch.Stats.MAXIMUM),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // A gauge each ingest run emits: the alarm clears only when a run holds nothing.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    this.dashboard = this.buildDashboard(prefix, props);
  }

  private alarm(name: string, props: Omit<cloudwatch.AlarmProps, 'alarmName'>): void {
    const alarm = new cloudwatch.Alarm(this, name, {
      ...props,
      alarmName: `${this.namePrefix}-${name}`,
    });
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    // Recoveries are mailed too, so nobody investigates what has already healed.
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }

  private buildDashboard(prefix: string, props: MonitoringProps): cloudwatch.Dashboard {
    const perStage = (metric: (fn: PipelineFunction) => cloudwatch.IMetric): cloudwatch.IMetric[] =>
      props.stages.map(metric);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(24),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations',
        left: perStage((s) =>
          s.function.metricInvocations({ label: s.stage, period: FIVE_MINUTES }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors',
        left: perStage((s) => s.function.metricErrors({ label: s.stage, period: FIVE_MINUTES })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration (p95)',
        left: perStage((s) =>
          s.function.metricDuration({ label: s.stage, period: FIVE_MINUTES, statistic: 'p95' }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rows moved',
        left: perStage((s) =>
          stageMetric(ROWS_MOVED[s.stage], cloudwatch.Stats.SUM, FIVE_MINUTES, s.stage).with({
            label: ROWS_MOVED[s.stage],
          }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Freshness and lag (seconds)',
        left: [
          stageMetric('WarehouseFreshnessSeconds', cloudwatch.Stats.MAXIMUM).with({
            label: 'warehouse freshness',
          }),
          stageMetric('BatchLagSeconds', cloudwatch.Stats.MAXIMUM).with({ label: 'batch lag' }),
        ],
        leftAnnotations: [
          { value: freshnessThreshold(props).toSeconds(), label: 'freshness alarm' },
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        left: props.deadLetterQueues.map(({ name, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: name, period: FIVE_MINUTES }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
    return dashboard;
  }
}

/**
 * A metric as the contract declares it: its name, and the stage emitting it as its dimension.
 * `stage` picks one of several stages emitting the same metric; a metric of one stage needs none.
 */
function stageMetric(
  metricName: MetricName,
  statistic: string,
  period: Duration = FIVE_MINUTES,
  stage?: StageName,
): cloudwatch.Metric {
  const emitters: readonly StageName[] = METRICS[metricName].stages;
  const service = stage ?? (emitters.length === 1 ? emitters[0] : undefined);
  if (!service || !emitters.includes(service)) {
    throw new Error(`${metricName} is emitted by ${emitters.join(', ')}: name one of them`);
  }
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [STAGE_DIMENSION]: service },
    statistic,
    period,
  });
}
