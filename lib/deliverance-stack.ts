import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ingestSchedules, SIZE_CLASSES, type DeliveranceConfig } from './config';
import { DatabaseNetwork } from './database-network';
import { Ingestion } from './ingestion';
import { Loading } from './loading';
import { Monitoring } from './monitoring';
import { acknowledge } from './nag';
import { OperatorAccess } from './operator-access';
import type { StageFunctionOptions } from './pipeline-function';
import { QuickSightAnalytics } from './quicksight-analytics';
import { Storage } from './storage';
import { Transformation } from './transformation';
import { WarehousePreparation } from './warehouse-preparation';

export interface DeliveranceStackProps extends StackProps {
  /** Validated settings, usually `readConfig(app.node)`. */
  readonly config: DeliveranceConfig;
}

/** The whole pipeline in one stack: it is deployed, and torn down, as one unit. */
export class DeliveranceStack extends Stack {
  public readonly storage: Storage;
  public readonly ingestion: Ingestion;
  public readonly transformation: Transformation;
  public readonly loading: Loading;
  public readonly warehousePreparation: WarehousePreparation;
  public readonly monitoring: Monitoring;
  public readonly operatorAccess: OperatorAccess;
  public readonly network?: DatabaseNetwork;
  public readonly quickSight?: QuickSightAnalytics;

  constructor(scope: Construct, id: string, props: DeliveranceStackProps) {
    super(scope, id, props);
    // Prefix-scoped grants add one statement per table; merged, each role's policy stays a
    // few KB instead of overflowing into extra managed policies.
    this.node.setContext('@aws-cdk/aws-iam:minimizePolicies', true);
    const { config } = props;
    const namePrefix = `deliverance-${config.environment}`;
    // Only dev may lose data on `cdk destroy`; every other environment keeps it.
    const removalPolicy =
      config.environment === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.storage = new Storage(this, 'Storage', {
      removalPolicy,
      landingTransitionDays: config.landingTransitionDays,
    });

    if (config.network) this.network = new DatabaseNetwork(this, 'Network', config.network);
    const options = (stage: keyof typeof config.lambdaSizes): StageFunctionOptions => ({
      size: SIZE_CLASSES[config.lambdaSizes[stage]],
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
      removalPolicy,
      ...(this.network ? { network: this.network.functionNetwork } : {}),
    });
    const warehouseSecret = importSecret(this, 'WarehouseSecret', config.warehouseSecret);
    const sourceSecret = importSecret(this, 'SourceSecret', config.sourceSecret);
    const secretKey = (id: string, arn: string | undefined) =>
      arn ? kms.Key.fromKeyArn(this, id, arn) : undefined;

    const warehouseSecretKey = secretKey('WarehouseSecretKey', config.warehouseSecretKmsKeyArn);
    this.ingestion = new Ingestion(this, 'Ingestion', {
      ...options('ingest'),
      landing: this.storage.landing,
      sourceSecret,
      sourceSecretKey: secretKey('SourceSecretKey', config.sourceSecretKmsKeyArn),
      sourceEndpoint: config.sourceEndpoint,
      watermarkParameterPrefix: config.watermarkParameterPrefix,
      overlapSeconds: config.overlapSeconds,
      maxBatchRows: config.maxBatchRows,
      futureToleranceSeconds: config.futureToleranceSeconds,
      schemaContract: config.schemaContract,
      warehouseSecret,
      warehouseSecretKey,
      warehouseEndpoint: config.warehouseEndpoint,
      deletesSchedule: config.deletesSchedule,
      maxDeletesPerRun: config.maxDeletesPerRun,
      deletesGuardPercent: config.deletesGuardPercent,
      schedules: ingestSchedules(config),
    });
    this.transformation = new Transformation(this, 'Transformation', {
      ...options('transform'),
      landing: this.storage.landing,
      processed: this.storage.processed,
    });
    this.loading = new Loading(this, 'Loading', {
      ...options('load'),
      processed: this.storage.processed,
      warehouseSecret,
      warehouseSecretKey,
      warehouseEndpoint: config.warehouseEndpoint,
    });

    const stages = [this.ingestion.stage, this.transformation.stage, this.loading.stage];
    const deadLetterQueues = [
      { name: 'ingest-schedule', queue: this.ingestion.scheduleDeadLetterQueue },
      ...stages.map((s) => ({ name: s.stage, queue: s.deadLetterQueue })),
    ];
    this.monitoring = new Monitoring(this, 'Monitoring', {
      namePrefix,
      stages,
      deadLetterQueues,
      adminEmails: config.adminEmails,
      ingestAlarmPeriod: Duration.minutes(config.ingestAlarmMinutes),
      freshnessThreshold: Duration.seconds(config.freshnessThresholdSeconds),
      removalPolicy,
    });

    this.operatorAccess = new OperatorAccess(this, 'Operator', {
      environment: config.environment,
      namePrefix,
      watermarkParameterPrefix: config.watermarkParameterPrefix,
      landing: this.storage.landing,
      processed: this.storage.processed,
      storageKey: this.storage.key,
      functions: {
        ingest: this.ingestion.stage.function,
        transform: this.transformation.stage.function,
        load: this.loading.stage.function,
      },
      deadLetterQueues,
      alarms: this.monitoring.alarms,
      alarmTopic: this.monitoring.topic,
      databases: {
        source: { secret: sourceSecret, endpoint: config.sourceEndpoint },
        warehouse: { secret: warehouseSecret, endpoint: config.warehouseEndpoint },
      },
    });

    if (config.quickSight) {
      this.quickSight = new QuickSightAnalytics(this, 'QuickSight', {
        namePrefix,
        warehouseSecret,
        vpcConnectionArn: config.quickSight.vpcConnectionArn,
        port: config.quickSight.port,
        host: config.quickSight.host,
        database: config.quickSight.database,
        principalArns: config.quickSight.principalArns,
        removalPolicy,
      });
      this.loading.setsAnalystPassword(this.quickSight.analystSecret);
    }
    // The deploy migrates the warehouse (and gives the analyst role its login) before QuickSight
    // creates its data source, which tests its connection as that role against the views.
    this.warehousePreparation = new WarehousePreparation(this, 'WarehousePreparation', {
      ...options('load'),
      warehouse: {
        secret: warehouseSecret,
        secretKey: warehouseSecretKey,
        endpoint: config.warehouseEndpoint,
      },
      ...(this.quickSight ? { analystSecret: this.quickSight.analystSecret } : {}),
    });
    this.quickSight?.dataSource.node.addDependency(this.warehousePreparation.schema);

    this.suppressCdkInternals();
  }

  /** Findings on resources CDK itself adds, which this stack cannot configure. */
  private suppressCdkInternals(): void {
    const handler = this.node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (handler) {
      acknowledge(
        handler,
        "CDK's own bucket-notification custom resource runs once per deploy with AWSLambdaBasicExecutionRole; its role is not configurable.",
        [
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        ],
      );
      acknowledge(
        handler,
        "CDK's own bucket-notification custom resource needs s3:PutBucketNotification, which CDK grants on '*' without exposing the policy.",
        ['AwsSolutions-IAM5[Resource::*]'],
      );
    }
  }
}

/**
 * Imports a secret by name or ARN. Only a reference reaches the template: the functions read
 * the value at run time with their own role.
 */
function importSecret(scope: Construct, id: string, nameOrArn: string): secretsmanager.ISecret {
  if (!nameOrArn.startsWith('arn:')) {
    return secretsmanager.Secret.fromSecretNameV2(scope, id, nameOrArn);
  }
  // Secrets Manager appends "-" and six random characters to a secret's complete ARN.
  return /-[A-Za-z0-9]{6}$/.test(nameOrArn)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, nameOrArn)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, nameOrArn);
}
