import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import {
  METRICS,
  METRICS_NAMESPACE,
  STAGE_DIMENSION,
  type MetricDeclaration,
  type MetricName,
} from '../../contract/metrics';
import { SOURCE_TABLES, WAREHOUSE_TABLES } from '../../contract/pipeline-tables';
import { parseStageSettings, TUNINGS } from '../../contract/settings';
import { STAGE_ACCESS } from '../../contract/stage-access';
import type { BucketRole } from '../../contract/storage-access';
import { PROJECT_ROOT } from '../../lib/pipeline-function';
import { sqlDigest } from '../../lib/warehouse-preparation';
import { expectedStorageGrants, storageGrantsOf } from './support/expected-grants';
import { FULL_CONTEXT, synthesize } from './support/synth';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string[];
};
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const STAGES = ['ingest', 'transform', 'load'] as const;

let dev: Template;
let prod: Template;

beforeAll(() => {
  dev = synthesize().template;
  prod = synthesize(FULL_CONTEXT).template;
});

function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

const functionOf = (template: Template, stage: string) =>
  logicalIdOf(template, 'AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: stage }) },
  });

const bucketId = (template: Template, name: 'Landing' | 'Processed') =>
  Object.keys(template.findResources('AWS::S3::Bucket')).find((id) =>
    id.startsWith(`Storage${name}`),
  ) as string;

/** Every statement of the inline policy attached to the role of `stage`'s function. */
function statementsOf(template: Template, stage: string): Statement[] {
  const fn = template.toJSON().Resources[functionOf(template, stage)] as Resource;
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const attached = { Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) } };
  const policies = {
    ...template.findResources('AWS::IAM::Policy', attached),
    ...template.findResources('AWS::IAM::ManagedPolicy', attached),
  };
  return Object.values(policies)
    .flatMap((p) => (p as Resource).Properties.PolicyDocument as { Statement: Statement[] })
    .flatMap((d) => d.Statement);
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** `<bucket logical id>/<suffix>` for object resources built as Fn::Join [GetAtt Arn, suffix]. */
function objectResources(statements: Statement[], action: string): string[] {
  return statements
    .filter((s) => actions(s).includes(action))
    .flatMap(resources)
    .flatMap((r) => {
      const join = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (!join) return [];
      const [arn, suffix] = join[1] as [{ 'Fn::GetAtt': [string] }, string];
      return [`${arn['Fn::GetAtt'][0]}${suffix}`];
    });
}

describe('storage', () => {
  it('has a landing, a processed and an access-log bucket', () => {
    dev.resourceCountIs('AWS::S3::Bucket', 3);
  });

  it('versions landing, encrypts it with the rotated data key and logs access to it', () => {
    dev.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: Match.objectLike({
                'Fn::GetAtt': [Match.stringLikeRegexp('^StorageKey'), 'Arn'],
              }),
            },
          },
        ],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^StorageAccessLogs') },
        LogFilePrefix: 'landing/',
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            NoncurrentVersionTransitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 30 }],
          }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
    dev.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('moves landing objects after the configured number of days', () => {
    const { template } = synthesize({ 'deliverance:landingTransitionDays': 90 });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }],
          }),
        ]),
      },
    });
  });

  it('blocks public access to every bucket and refuses plain HTTP', () => {
    for (const [id, bucket] of Object.entries(dev.findResources('AWS::S3::Bucket'))) {
      expect((bucket as Resource).Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      dev.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('keeps processed unversioned: it can be rebuilt from landing', () => {
    const processed = dev.toJSON().Resources[bucketId(dev, 'Processed')] as Resource;
    expect(processed.Properties.VersioningConfiguration).toBeUndefined();
    expect(processed.Properties.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } },
      ],
    });
  });

  it('lets dev delete its data and keeps it everywhere else', () => {
    for (const bucket of Object.values(dev.findResources('AWS::S3::Bucket'))) {
      expect((bucket as Resource).DeletionPolicy).toBe('Delete');
    }
    dev.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
    for (const bucket of Object.values(prod.findResources('AWS::S3::Bucket'))) {
      expect((bucket as Resource).DeletionPolicy).toBe('Retain');
    }
    prod.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    for (const key of Object.values(prod.findResources('AWS::KMS::Key'))) {
      expect((key as Resource).DeletionPolicy).toBe('Retain');
    }
  });
});

describe('functions', () => {
  it.each([
    ['ingest', 1769, 300],
    ['transform', 3008, 900],
    ['load', 1769, 300],
  ])('runs %s on Node.js 22 ARM64 with its size class (%i MB, %i s)', (stage, memory, timeout) => {
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: stage,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_NAMESPACE: 'Deliverance',
          NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${Math.floor(memory * 0.6)}`,
        }),
      },
    });
  });

  it("asks no more memory than a new account's quota of 3,008 MB unless xlarge is chosen", () => {
    const memoryOf = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function')).map(
        (fn) => ((fn as Resource).Properties.MemorySize as number | undefined) ?? 128,
      );
    for (const template of [dev, prod]) {
      expect(Math.max(...memoryOf(template))).toBeLessThanOrEqual(3008);
    }
    const { template } = synthesize({ 'deliverance:lambdaSize': { transform: 'xlarge' } });
    expect(Math.max(...memoryOf(template))).toBe(3538);
  });

  it('follows the size class chosen in context', () => {
    const { template } = synthesize({ 'deliverance:lambdaSize': { ingest: 'small' } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 120,
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'ingest' }) },
    });
  });

  it('gives each function exactly the variables of docs/architecture.md', () => {
    const common = {
      POWERTOOLS_SERVICE_NAME: Match.anyValue(),
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'Deliverance',
      NODE_OPTIONS: Match.stringLikeRegexp('^--enable-source-maps --max-old-space-size=\\d+$'),
    };
    const landing = { Ref: bucketId(dev, 'Landing') };
    const processed = { Ref: bucketId(dev, 'Processed') };
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          ...common,
          LANDING_BUCKET: landing,
          SOURCE_SECRET_ID: 'deliverance/totesys',
          WAREHOUSE_SECRET_ID: 'deliverance/warehouse',
          WATERMARK_PARAMETER_PREFIX: '/deliverance/dev',
          OVERLAP_SECONDS: '300',
          MAX_BATCH_ROWS: '500000',
          FUTURE_TOLERANCE_SECONDS: '300',
          SCHEMA_CONTRACT: 'evolve',
          DELETES_SCHEDULE: 'rate(1 day)',
          MAX_DELETES_PER_RUN: '500000',
          DELETES_GUARD_PERCENT: '5',
        }),
      },
    });
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          ...common,
          LANDING_BUCKET: landing,
          PROCESSED_BUCKET: processed,
        }),
      },
    });
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          ...common,
          PROCESSED_BUCKET: processed,
          WAREHOUSE_SECRET_ID: 'deliverance/warehouse',
        }),
      },
    });
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          ...common,
          POWERTOOLS_SERVICE_NAME: 'warehouse-preparation',
          WAREHOUSE_SECRET_ID: 'deliverance/warehouse',
        }),
      },
    });
  });

  it('gives a stage the host, port and database the context sets for its database (an RDS-managed secret), and no other', () => {
    const rdsManaged = 'rds!db-0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const { template } = synthesize({
      'deliverance:sourceSecret': rdsManaged,
      'deliverance:sourceHost': 'totesys.abc123.eu-west-2.rds.amazonaws.com',
      'deliverance:sourceDatabase': 'totesys',
      'deliverance:warehousePort': 6543,
    });
    const variablesOf = (stage: string) =>
      (
        (template.toJSON().Resources[functionOf(template, stage)] as Resource).Properties
          .Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(variablesOf('ingest')).toMatchObject({
      SOURCE_SECRET_ID: rdsManaged,
      SOURCE_HOST: 'totesys.abc123.eu-west-2.rds.amazonaws.com',
      SOURCE_DATABASE: 'totesys',
    });
    expect(variablesOf('ingest')).not.toHaveProperty('SOURCE_PORT');
    expect(JSON.stringify(statementsOf(template, 'ingest'))).toContain(
      `:secret:${rdsManaged}-??????`,
    );
    expect(variablesOf('load')).toMatchObject({ WAREHOUSE_PORT: '6543' });
    expect(Object.keys(variablesOf('load')).filter((v) => v.startsWith('SOURCE_'))).toEqual([]);
    expect(
      Object.keys(variablesOf('transform')).filter((v) => /^(SOURCE|WAREHOUSE)_/.test(v)),
    ).toEqual([]);
  });

  it("sets every setting each stage's handler reads, as values its parse accepts", () => {
    const tuned = synthesize({
      'deliverance:overlapSeconds': 60,
      'deliverance:maxBatchRows': 1000,
      'deliverance:deletesSchedule': 'rate(1 day),payment=cron(0 2 ? * MON,THU *)',
      'deliverance:deletesGuardPercent': '5,payment=20',
    }).template;
    /** A function's variables; a bucket's name is a reference until deploy: any name will do. */
    const envOf = (template: Template, stage: string) =>
      Object.fromEntries(
        Object.entries(
          (
            (template.toJSON().Resources[functionOf(template, stage)] as Resource).Properties
              .Environment as { Variables: Record<string, unknown> }
          ).Variables,
        ).map(([name, value]) => [name, typeof value === 'string' ? value : `${name}-resolved`]),
      );
    for (const template of [dev, prod, tuned]) {
      for (const stage of STAGES) {
        const parsed = parseStageSettings(stage, envOf(template, stage));
        expect(parsed.ok ? [] : parsed.problems).toEqual([]);
      }
    }
    const ingest = parseStageSettings('ingest', envOf(tuned, 'ingest'));
    expect(ingest.ok && ingest.value.tunings).toEqual({
      overlapSeconds: 60,
      maxBatchRows: 1000,
      futureToleranceSeconds: TUNINGS.futureToleranceSeconds.default,
      maxDeletesPerRun: TUNINGS.maxDeletesPerRun.default,
    });
    expect(ingest.ok && ingest.value.deletes).toEqual({
      schedule: { default: 'rate(1 day)', tables: { payment: 'cron(0 2 ? * MON,THU *)' } },
      guardPercent: { default: 5, tables: { payment: 20 } },
    });
  });

  it('passes complete secret ARNs through when configured', () => {
    prod.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ SOURCE_SECRET_ID: FULL_CONTEXT['deliverance:sourceSecret'] }),
      },
    });
  });
});

describe('functions: concurrency, retries, logs and network', () => {
  it('runs one ingest and one transform at a time, and at most two loads', () => {
    const concurrency = (stage: string) =>
      (dev.toJSON().Resources[functionOf(dev, stage)] as Resource).Properties
        .ReservedConcurrentExecutions;
    expect(STAGES.map(concurrency)).toEqual([1, 1, 2]);
  });

  it('retries failed events twice, then sends them to the stage dead-letter queue', () => {
    // The fourth is the warehouse preparation's, whose events CloudFormation sends.
    dev.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4);
    for (const stage of STAGES) {
      const fn = functionOf(dev, stage);
      const config = dev.findResources('AWS::Lambda::EventInvokeConfig', {
        Properties: { FunctionName: { Ref: fn } },
      });
      const properties = (Object.values(config)[0] as Resource).Properties;
      expect(properties).toMatchObject({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        Qualifier: '$LATEST',
      });
      const destination = (properties.DestinationConfig as { OnFailure: { Destination: unknown } })
        .OnFailure.Destination as { 'Fn::GetAtt': [string, string] };
      const queue = dev.toJSON().Resources[destination['Fn::GetAtt'][0]] as Resource;
      expect(queue.Type).toBe('AWS::SQS::Queue');
    }
  });

  it('encrypts every dead-letter queue and refuses plain HTTP to it', () => {
    dev.resourceCountIs('AWS::SQS::Queue', 5);
    dev.allResourcesProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    dev.resourceCountIs('AWS::SQS::QueuePolicy', 5);
    dev.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('writes each function log to its own group with the configured retention', () => {
    dev.resourceCountIs('AWS::Logs::LogGroup', 4);
    dev.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('joins the configured VPC subnets and security group', () => {
    for (const stage of STAGES) {
      const fn = prod.toJSON().Resources[functionOf(prod, stage)] as Resource;
      expect(fn.Properties.VpcConfig).toEqual({
        SubnetIds: FULL_CONTEXT['deliverance:subnetIds'],
        SecurityGroupIds: [FULL_CONTEXT['deliverance:securityGroupId']],
      });
    }
  });
});

describe('permissions', () => {
  it('never grants a wildcard action or a whole bucket to a stage', () => {
    for (const stage of STAGES) {
      const statements = statementsOf(dev, stage);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        for (const action of actions(statement)) {
          expect(action).not.toBe('*');
          expect(action).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
        expect(resources(statement)).not.toContain('*');
      }
      for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject']) {
        for (const resource of objectResources(statements, action)) {
          expect(resource).not.toMatch(/^Storage(Landing|Processed)\w+\/\*$/);
        }
      }
    }
  });

  it("grants each stage exactly the S3 and KMS actions its declared access needs on the stack's buckets and their key", () => {
    for (const template of [dev, prod]) {
      const bucketOf = (role: BucketRole) =>
        bucketId(template, role === 'landing' ? 'Landing' : 'Processed');
      const keyOf = (role: BucketRole) => {
        const bucket = template.toJSON().Resources[bucketOf(role)] as Resource;
        const encryption = bucket.Properties.BucketEncryption as {
          ServerSideEncryptionConfiguration: {
            ServerSideEncryptionByDefault: { KMSMasterKeyID: { 'Fn::GetAtt': [string] } };
          }[];
        };
        return encryption.ServerSideEncryptionConfiguration[0]!.ServerSideEncryptionByDefault
          .KMSMasterKeyID['Fn::GetAtt'][0];
      };
      for (const stage of STAGES) {
        expect({ stage, grants: storageGrantsOf(statementsOf(template, stage)) }).toEqual({
          stage,
          grants: expectedStorageGrants(STAGE_ACCESS[stage], bucketOf, keyOf),
        });
      }
    }
  });

  it('lets ingest write landing table, manifest and run-record keys only, and read nothing there', () => {
    const statements = statementsOf(dev, 'ingest');
    const landing = bucketId(dev, 'Landing');
    expect(objectResources(statements, 's3:PutObject').sort()).toEqual(
      [...SOURCE_TABLES, 'manifests', 'runs'].map((p) => `${landing}/${p}/*`).sort(),
    );
    expect(objectResources(statements, 's3:GetObject')).toEqual([]);
  });

  it('lets ingest list and delete landing table objects (unfinished attempts), and no other stage delete', () => {
    const statements = statementsOf(dev, 'ingest');
    const landing = bucketId(dev, 'Landing');
    expect(objectResources(statements, 's3:DeleteObject').sort()).toEqual(
      SOURCE_TABLES.map((t) => `${landing}/${t}/*`).sort(),
    );
    const listings = statements.filter((s) => actions(s).includes('s3:ListBucket'));
    expect(listings).toEqual([
      expect.objectContaining({
        Resource: { 'Fn::GetAtt': [landing, 'Arn'] },
        Condition: {
          StringLike: { 's3:prefix': [...SOURCE_TABLES.map((t) => `${t}/*`), 'manifests/*'] },
        },
      }),
    ]);
    for (const stage of ['transform', 'load']) {
      expect(
        statementsOf(dev, stage).filter((s) => actions(s).some((a) => a.startsWith('s3:Delete'))),
      ).toEqual([]);
    }
  });

  it('lets ingest read and write its watermark parameters and read the totesys secret', () => {
    // The watermarks, the source's UTC offset each was read at (lambdas/ingest/zone-step.ts), and
    // the schema changes standing (lambdas/ingest/schema-policy.ts), and the deletes
    // reconciliation's state (lambdas/ingest/deletes/).
    const parameterWrites = statementsOf(dev, 'ingest').filter((s) =>
      actions(s).includes('ssm:PutParameter'),
    );
    expect(
      parameterWrites.map((s) => [
        actions(s),
        (JSON.stringify(resources(s)).match(/:parameter\/[^"]*/g) ?? []).sort(),
      ]),
    ).toEqual([
      [
        ['ssm:GetParameter', 'ssm:PutParameter'],
        [
          ':parameter/deliverance/dev/deletes*',
          ':parameter/deliverance/dev/schema-changes*',
          ':parameter/deliverance/dev/source-zone*',
          ':parameter/deliverance/dev/watermarks/*',
        ],
      ],
    ]);
    const secretReads = statementsOf(dev, 'ingest').filter((s) =>
      actions(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(JSON.stringify(secretReads)).toContain(':secret:deliverance/totesys-??????');
    expect(JSON.stringify(statementsOf(dev, 'transform'))).not.toContain('secretsmanager');
  });

  it('lets transform read landing batches and write processed tables, manifests and state', () => {
    const statements = statementsOf(dev, 'transform');
    const landing = bucketId(dev, 'Landing');
    const processed = bucketId(dev, 'Processed');
    expect(objectResources(statements, 's3:GetObject').sort()).toEqual(
      [
        ...[...SOURCE_TABLES, 'manifests'].map((p) => `${landing}/${p}/*`),
        // HeadObject of the processed manifest (is the batch done?) needs s3:GetObject.
        `${processed}/manifests/*`,
        `${processed}/state/*`,
        `${processed}/runs/*`,
      ].sort(),
    );
    expect(objectResources(statements, 's3:PutObject').sort()).toEqual(
      [
        `${landing}/quarantine/*`,
        ...[...WAREHOUSE_TABLES, 'manifests', 'state', 'runs'].map((p) => `${processed}/${p}/*`),
      ].sort(),
    );
  });

  it('lets load read processed tables and manifests and the warehouse secret, and nothing of landing', () => {
    const statements = statementsOf(dev, 'load');
    const landing = bucketId(dev, 'Landing');
    const processed = bucketId(dev, 'Processed');
    expect(objectResources(statements, 's3:GetObject').sort()).toEqual(
      [...WAREHOUSE_TABLES, 'manifests', 'runs'].map((p) => `${processed}/${p}/*`).sort(),
    );
    // What load reconciles a batch against travels in its processed manifest.
    expect(JSON.stringify(statements)).not.toContain(landing);
    expect(objectResources(statements, 's3:PutObject').sort()).toEqual(
      [`${processed}/quarantine/*`, `${processed}/runs/*`].sort(),
    );
    expect(JSON.stringify(statements)).toContain(':secret:deliverance/warehouse-??????');
  });

  it('lets ingest invoke its own function, unqualified, and no stage invoke anything else', () => {
    for (const template of [dev, prod]) {
      const invokes = (stage: string) =>
        statementsOf(template, stage).filter((s) =>
          actions(s).some((a) => a.startsWith('lambda:')),
        );
      expect(invokes('ingest')).toEqual([
        {
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::GetAtt': [functionOf(template, 'ingest'), 'Arn'] },
        },
      ]);
      expect([...invokes('transform'), ...invokes('load')]).toEqual([]);
    }
  });

  it("lets a stage decrypt its secret's customer-managed key only through Secrets Manager, for that secret", () => {
    const decrypts = (stage: string, key: unknown) =>
      statementsOf(prod, stage).filter((s) => JSON.stringify(s.Resource) === JSON.stringify(key));
    const viaSecretsManager = (key: unknown, secret: unknown) => [
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key,
        Condition: {
          StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-2.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:SecretARN': secret },
        },
      },
    ];
    const sourceKey = FULL_CONTEXT['deliverance:sourceSecretKmsKeyArn'];
    const warehouseKey = FULL_CONTEXT['deliverance:warehouseSecretKmsKeyArn'];
    expect(decrypts('ingest', sourceKey)).toEqual(
      viaSecretsManager(sourceKey, FULL_CONTEXT['deliverance:sourceSecret']),
    );
    // Ingest reads the warehouse's keys too, for the deletes reconciliation.
    for (const stage of ['ingest', 'load']) {
      expect(decrypts(stage, warehouseKey)).toEqual(
        viaSecretsManager(warehouseKey, FULL_CONTEXT['deliverance:warehouseSecret']),
      );
    }
    expect([
      ...decrypts('transform', sourceKey),
      ...decrypts('transform', warehouseKey),
      ...decrypts('load', sourceKey),
    ]).toEqual([]);
  });

  it('grants no key through Secrets Manager unless a secret key is configured', () => {
    const viaSecretsManager = STAGES.flatMap((stage) => statementsOf(dev, stage)).filter((s) =>
      JSON.stringify((s as { Condition?: unknown }).Condition ?? {}).includes('kms:ViaService'),
    );
    expect(viaSecretsManager).toEqual([]);
    const { template } = synthesize({
      ...FULL_CONTEXT,
      'deliverance:sourceSecretKmsKeyArn': '',
      'deliverance:warehouseSecretKmsKeyArn': '',
    });
    expect(JSON.stringify(statementsOf(template, 'ingest'))).not.toContain('kms:ViaService');
  });

  it('puts no secret value in the template', () => {
    // The analyst secret names the key Secrets Manager generates its password under: no value.
    const body = JSON.stringify(prod.toJSON()).replace('"GenerateStringKey":"password"', '');
    expect(body).not.toMatch(/password/i);
    expect(body).not.toMatch(/SecretString:(username|password)/);
  });
});

describe('the warehouse preparation', () => {
  const schemaOf = (template: Template) => {
    const resources = Object.values(template.findResources('Custom::WarehouseSchema'));
    expect(resources).toHaveLength(1);
    return resources[0] as Resource;
  };

  it("is a custom resource run by the load bundle's prepareHandler, on every deploy", () => {
    for (const template of [dev, prod]) {
      const fn = functionOf(template, 'warehouse-preparation');
      const schema = schemaOf(template);
      expect(schema.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
      // Long enough for Lambda's three attempts; CloudFormation would otherwise wait an hour.
      expect(schema.Properties.ServiceTimeout).toBe(String(3 * 300 + 180));
      expect(schema.DeletionPolicy).toBe('Delete');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'index.prepareHandler',
        Environment: {
          Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'warehouse-preparation' }),
        },
      });
    }
  });

  it('runs again when a migration or view changes, and when the warehouse secret does', () => {
    const { Sql, WarehouseSecret } = schemaOf(dev).Properties;
    expect(Sql).toBe(sqlDigest());
    expect(WarehouseSecret).toBe('deliverance/warehouse');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlv-sql-'));
    try {
      fs.cpSync(path.join(PROJECT_ROOT, 'sql'), path.join(root, 'sql'), { recursive: true });
      expect(sqlDigest(root)).toBe(Sql);
      const view = path.join(root, 'sql/views/sales_by_month_country.sql');
      fs.appendFileSync(view, '\n-- changed\n');
      expect(sqlDigest(root)).not.toBe(Sql);
      fs.writeFileSync(path.join(root, 'sql/warehouse/0099_more.sql'), '');
      fs.rmSync(view);
      expect(sqlDigest(root)).not.toBe(Sql);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    expect(schemaOf(prod).Properties.WarehouseSecret).toBe(
      FULL_CONTEXT['deliverance:warehouseSecret'],
    );
  });

  it('reads the warehouse secret, writes its logs and dead letters, and reaches nothing else', () => {
    const statements = statementsOf(dev, 'warehouse-preparation');
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        // CDK's SQS failure destination, as every stage's.
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(JSON.stringify(statements)).toContain(':secret:deliverance/warehouse-??????');
  });
});

describe('triggers', () => {
  it('invokes ingest every five minutes, with retries and its own dead-letter queue', () => {
    dev.resourceCountIs('AWS::Scheduler::Schedule', 1);
    dev.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [functionOf(dev, 'ingest'), 'Arn'] },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: {
          Arn: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^IngestionScheduleDeadLetterQueue'), 'Arn'],
          },
        },
      },
    });
  });

  it('creates every schedule only once ingest may invoke itself', () => {
    const grant = logicalIdOf(prod, 'AWS::IAM::Policy', {
      PolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Action: 'lambda:InvokeFunction' })],
      }),
    });
    const schedules = Object.values(prod.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(3);
    for (const schedule of schedules) expect(schedule.DependsOn).toContain(grant);
  });

  it('gives each distinct per-table schedule its tables, and the default the rest', () => {
    prod.resourceCountIs('AWS::Scheduler::Schedule', 3);
    prod.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ Input: '{"tables":["payment","transaction"]}' }),
    });
    prod.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: Match.objectLike({ Input: '{"tables":["currency"]}' }),
    });
    const rest = SOURCE_TABLES.filter((t) => !['payment', 'transaction', 'currency'].includes(t));
    prod.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ tables: rest }) }),
    });
  });

  it('runs transform on landing manifests and load on processed manifests, nothing else', () => {
    const notification = (bucket: string, stage: string) => ({
      BucketName: { Ref: bucketId(dev, bucket as 'Landing' | 'Processed') },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.json' },
                  { Name: 'prefix', Value: 'manifests/' },
                ],
              },
            },
            LambdaFunctionArn: { 'Fn::GetAtt': [functionOf(dev, stage), 'Arn'] },
          },
        ],
      },
    });
    dev.resourceCountIs('Custom::S3BucketNotifications', 2);
    dev.hasResourceProperties(
      'Custom::S3BucketNotifications',
      notification('Landing', 'transform'),
    );
    dev.hasResourceProperties('Custom::S3BucketNotifications', notification('Processed', 'load'));
    dev.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [functionOf(dev, 'transform'), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [bucketId(dev, 'Landing'), 'Arn'] },
    });
  });
});

describe('monitoring', () => {
  it('sends alarms to a KMS-encrypted, TLS-only topic', () => {
    dev.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringTopicKey'), 'Arn'] },
    });
    dev.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    dev.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it("lets CloudWatch publish this stack's alarms to the topic, whose policy replaced SNS's default", () => {
    dev.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  it('warns at synth when no admin e-mail is configured, and only then', () => {
    const noAdmins = /No admin e-mail is configured/;
    Annotations.fromStack(synthesize().stack).hasWarning(
      '*',
      Match.stringLikeRegexp(noAdmins.source),
    );
    Annotations.fromStack(synthesize(FULL_CONTEXT).stack).hasNoWarning(
      '*',
      Match.stringLikeRegexp(noAdmins.source),
    );
  });

  it('subscribes the configured admins by e-mail, and nobody when none are set', () => {
    dev.resourceCountIs('AWS::SNS::Subscription', 0);
    prod.resourceCountIs('AWS::SNS::Subscription', 2);
    prod.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'data-oncall@example.com',
    });
  });

  it('notifies the topic of every alarm and of its recovery', () => {
    const alarms = dev.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(19);
    const topic = { Ref: Object.keys(dev.findResources('AWS::SNS::Topic'))[0] };
    for (const alarm of Object.values(alarms)) {
      expect((alarm as Resource).Properties).toMatchObject({
        AlarmActions: [topic],
        OKActions: [topic],
      });
    }
  });
});

describe('monitoring: the alarms and the dashboard', () => {
  it('alarms on function errors repeated over several periods', () => {
    for (const stage of STAGES) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `deliverance-dev-${stage}-errors`,
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionOf(dev, stage) } }],
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on the first fatal error of each stage, which is answered rather than retried', () => {
    for (const stage of STAGES) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `deliverance-dev-${stage}-fatal-errors`,
        AlarmDescription: Match.stringLikeRegexp(`^The ${stage} stopped at a fatal error`),
        MetricName: 'FatalErrors',
        Namespace: 'Deliverance',
        Dimensions: [{ Name: 'service', Value: stage }],
        Statistic: 'Sum',
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms while a batch is parked at the transform or the load, until it is replayed or purged', () => {
    for (const stage of ['transform', 'load']) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `deliverance-dev-${stage}-batch-parked`,
        MetricName: 'ParkedBatches',
        Namespace: 'Deliverance',
        Dimensions: [{ Name: 'service', Value: stage }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // The gauge's last value holds between invocations: a quiet stage does not clear it.
        TreatMissingData: 'ignore',
      });
    }
  });

  it('alarms when any dead-letter queue holds a message', () => {
    for (const name of ['ingest-schedule', ...STAGES]) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `deliverance-dev-${name}-dead-letters`,
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it('alarms when ingest has not succeeded for the configured time, silence included', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IngestSucceeded',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Sum',
      Period: 1800,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    const { template } = synthesize({ 'deliverance:ingestAlarmMinutes': 60 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IngestSucceeded',
      Period: 3600,
    });
  });

  it('alarms when the warehouse is more than 30 minutes stale, or as configured', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WarehouseFreshnessSeconds',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'load' }],
      Statistic: 'Maximum',
      Threshold: 1800,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const { template } = synthesize({ 'deliverance:freshnessThresholdSeconds': 3600 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WarehouseFreshnessSeconds',
      Threshold: 3600,
    });
  });

  it('alarms only on metrics the contract declares, under a stage that emits them', () => {
    const alarms = Object.values(prod.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as Resource).Properties,
    );
    const ours = alarms.filter((a) => a.Namespace === METRICS_NAMESPACE);
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const alarm of ours) {
      const declared = METRICS[alarm.MetricName as MetricName] as MetricDeclaration | undefined;
      expect(declared).toBeDefined();
      const [dimension] = alarm.Dimensions as { Name: string; Value: string }[];
      expect(dimension?.Name).toBe(STAGE_DIMENSION);
      expect(declared?.stages).toContain(dimension?.Value);
    }
  });

  it('alarms on any row stamped later than the source clock, as soon as one run counts it', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'deliverance-dev-future-stamped-rows',
      MetricName: 'FutureStampedRows',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it("alarms when the source's TimeZone stepped back, on the run that moved its windows back", () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'deliverance-dev-source-clock-step-back',
      MetricName: 'SourceClockStepBack',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarms on the run whose source schema change stopped a table', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'deliverance-dev-schema-change-stopped-tables',
      MetricName: 'SchemaChangeStoppedTables',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'ingest' }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarms on a reconciliation mismatch', () => {
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReconciliationMismatch',
      Namespace: 'Deliverance',
      Dimensions: [{ Name: 'service', Value: 'load' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('has one dashboard with invocations, errors, durations, rows and freshness', () => {
    dev.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = Object.values(dev.findResources('AWS::CloudWatch::Dashboard'))[0] as Resource;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of [
      'Invocations',
      'Errors',
      'Duration',
      'RowsIngested',
      'RowsTransformed',
      'RowsLoaded',
      'WarehouseFreshnessSeconds',
      'BatchLagSeconds',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body).toContain(text);
    }
  });
});
