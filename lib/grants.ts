import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  BUCKET_ENV,
  DATABASE_ENDPOINT_ENV,
  DATABASE_SECRET_ENV,
  PARAMETER_PREFIX_ENV,
  STAGE_ACCESS,
  type DatabaseEndpoint,
  type DatabaseRole,
  type EndpointField,
  type ParameterAccess,
  type StageAccess,
} from '../contract/stage-access';
import type { BucketRole, PrefixAccess } from '../contract/storage-access';
import { nagArn, prefixFindings } from './nag';
import type { PipelineFunction } from './pipeline-function';

/** A database as a stage reaches it: through its secret, and where the context says it is. */
export interface DatabaseConnection {
  readonly secret: secretsmanager.ISecret;
  /**
   * The customer-managed key the secret is encrypted with.
   * @default - the secret's `encryptionKey`; none for `aws/secretsmanager`, which needs no grant
   */
  readonly secretKey?: kms.IKey;
  /** Host, port and database name that win over the secret's. @default - the secret's */
  readonly endpoint?: DatabaseEndpoint;
}

/** The stack's resources a stage may be connected to; its access picks the ones it gets. */
export interface StageResources {
  readonly buckets: Readonly<Partial<Record<BucketRole, s3.IBucket>>>;
  readonly databases?: Readonly<Partial<Record<DatabaseRole, DatabaseConnection>>>;
  /** The SSM path the stack's parameters are under, e.g. `/deliverance/prod`. */
  readonly parameterPrefix?: string;
}

/** What connecting a stage made that its construct still has to place. */
export interface StageConnection {
  /** The cdk-nag findings of the prefix and path wildcards, for the construct to acknowledge. */
  readonly findings: readonly string[];
  /** The policy letting the function invoke itself, when its access says it does. */
  readonly invokeSelf?: iam.Policy;
}

/**
 * Gives a stage's function exactly what `contract/stage-access.ts` declares for the stage: the
 * grants on each bucket, secret (and its key) and parameter path, the variable naming each of
 * them, and the database endpoints the context set. A
 * resource the access does not name is neither granted nor in the environment, so the handler
 * cannot even find it.
 *
 * @throws {Error} when the access names a resource `resources` does not hold.
 * @example
 * const { findings } = connectStage(this.stage, {
 *   buckets: { landing },
 *   databases: { source: { secret: sourceSecret, endpoint: { host: 'totesys.example' } } },
 * });
 */
export function connectStage(stage: PipelineFunction, resources: StageResources): StageConnection {
  return connectAccess(
    stage.function,
    `${stage.stage} stage`,
    STAGE_ACCESS[stage.stage],
    resources,
  );
}

/**
 * {@link connectStage} for a function whose access is declared apart from the stages' (e.g.
 * `WAREHOUSE_PREPARATION_ACCESS`); `name` says whose access it is in the error.
 *
 * @throws {Error} when the access names a resource `resources` does not hold.
 */
export function connectAccess(
  fn: lambda.Function,
  name: string,
  access: StageAccess,
  resources: StageResources,
): StageConnection {
  const missing = (what: string): never => {
    throw new Error(`The ${name}'s access names ${what}, which the stack did not give it`);
  };
  const findings: string[] = [];
  for (const [role, prefixes] of Object.entries(access.storage) as [BucketRole, PrefixAccess][]) {
    const bucket = resources.buckets[role] ?? missing(`the ${role} bucket`);
    grantStorageAccess(fn, bucket, prefixes);
    fn.addEnvironment(BUCKET_ENV[role], bucket.bucketName);
    findings.push(...prefixFindings(bucket, declaredPrefixes(prefixes)));
  }
  for (const role of access.databases) {
    const database = resources.databases?.[role] ?? missing(`the ${role} database's secret`);
    const { secret } = database;
    grantSecretValue(fn, secret, database.secretKey);
    // The complete ARN when known, else the name: a partial ARN is ambiguous to Secrets Manager.
    fn.addEnvironment(DATABASE_SECRET_ENV[role], secret.secretFullArn ?? secret.secretName);
    const endpoint = Object.entries(database.endpoint ?? {}) as [EndpointField, unknown][];
    for (const [field, value] of endpoint) {
      if (value !== undefined) fn.addEnvironment(DATABASE_ENDPOINT_ENV[role][field], String(value));
    }
  }
  if (access.parameters) {
    const prefix = resources.parameterPrefix ?? missing('parameters');
    findings.push(...grantParameters(fn, prefix, access.parameters));
    fn.addEnvironment(PARAMETER_PREFIX_ENV, prefix);
  }
  return { findings, ...(access.invokesItself ? { invokeSelf: grantInvokeSelf(fn) } : {}) };
}

/** GetParameter and PutParameter on the declared paths below `prefix`, one statement a path. */
function grantParameters(
  grantee: lambda.IFunction,
  prefix: string,
  access: ParameterAccess,
): string[] {
  const paths = [...new Set([...(access.read ?? []), ...(access.write ?? [])])];
  const name = (path: string) => `${prefix.replace(/^\//, '')}/${path}*`;
  for (const path of paths) {
    grantee.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          ...((access.read ?? []).includes(path) ? ['ssm:GetParameter'] : []),
          ...((access.write ?? []).includes(path) ? ['ssm:PutParameter'] : []),
        ],
        resources: [
          Stack.of(grantee).formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: name(path),
          }),
        ],
      }),
    );
  }
  return paths.map(
    (path) => `AwsSolutions-IAM5[Resource::${nagArn(grantee, 'ssm', `parameter/${name(path)}`)}]`,
  );
}

/**
 * Grants exactly what `access` declares on `bucket`, and no more: the object actions per
 * prefix, `s3:ListBucket` on the bucket where a listing or a missing key must be answered, and
 * the bucket key's KMS actions that S3 asks for on the caller's behalf.
 *
 * CDK's `grantRead`/`grantPut` give whole action groups (`s3:GetObject*`, `s3:List*`,
 * `s3:DeleteObject*` with its versions, legal holds, `kms:ReEncrypt*`) that no stage uses.
 */
export function grantStorageAccess(
  grantee: iam.IGrantable,
  bucket: s3.IBucket,
  access: PrefixAccess,
): void {
  const objects = (prefixes: readonly string[]) =>
    prefixes.map((p) => bucket.arnForObjects(`${p}*`));
  const read = [...(access.read ?? []), ...(access.probe ?? [])];
  const write = access.write ?? [];
  if (read.length > 0) {
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: objects(read) });
  }
  if (write.length > 0) {
    // A failed multipart upload is aborted so its parts do not linger (and cost) for a week.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: objects(write),
    });
  }
  if ((access.delete ?? []).length > 0) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:DeleteObject'],
      resourceArns: objects(access.delete ?? []),
    });
  }
  if ((access.probe ?? []).length > 0) {
    // Without it S3 answers a missing key with 403, which no caller can tell from a denial.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
    });
  } else if ((access.list ?? []).length > 0) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': (access.list ?? []).map((p) => `${p}*`) } },
    });
  }
  const key = bucket.encryptionKey;
  if (key) {
    // S3's API reference: a new object needs a data key; reading an object, and uploading the
    // parts of a multipart upload, need a decrypt.
    const actions = [
      ...(write.length > 0 ? ['kms:GenerateDataKey', 'kms:Decrypt'] : []),
      ...(read.length > 0 ? ['kms:Decrypt'] : []),
    ];
    if (actions.length > 0) key.grant(grantee, ...new Set(actions));
  }
}

/** The key prefixes `access` names, for the cdk-nag findings their wildcards raise. */
export function declaredPrefixes(access: PrefixAccess): string[] {
  return [
    ...new Set([
      ...(access.read ?? []),
      ...(access.write ?? []),
      ...(access.probe ?? []),
      ...(access.delete ?? []),
    ]),
  ];
}

/**
 * Lets `grantee` read the secret's value, the one call Powertools' getSecret makes
 * (`grantRead` adds DescribeSecret). A secret known by name gets the six characters Secrets
 * Manager appends to its ARN as a wildcard. A customer-managed `key` is granted `kms:Decrypt`
 * only as Secrets Manager asks for it, to open this secret (`grantDecrypt` would let the role
 * decrypt anything under the key, through any service).
 */
export function grantSecretValue(
  grantee: iam.IGrantable,
  secret: secretsmanager.ISecret,
  key: kms.IKey | undefined = secret.encryptionKey,
): void {
  const secretArn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secretArn],
  });
  if (!key) return;
  // Secrets Manager only uses a key of the secret's own region.
  const { region } = Stack.of(key).splitArn(key.keyArn, ArnFormat.SLASH_RESOURCE_NAME);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: {
      StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
      // Secrets Manager names the secret in the encryption context of each of its KMS calls.
      StringLike: { 'kms:EncryptionContext:SecretARN': secretArn },
    },
  });
}

/**
 * Lets `fn` invoke itself, the unqualified function only: no version, alias or other function.
 *
 * The statement is a policy of its own rather than one of the role's default policy: CDK makes
 * a function wait for its role's default policy, so that policy naming the function's ARN
 * would be a dependency cycle CloudFormation refuses. The policy is created after the
 * function; whatever may invoke the function first should depend on it.
 */
export function grantInvokeSelf(fn: lambda.IFunction): iam.Policy {
  if (!fn.role) throw new Error(`${fn.node.path} has no role to grant its own invocation to`);
  return new iam.Policy(fn, 'InvokeSelf', {
    roles: [fn.role],
    statements: [
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    ],
  });
}
