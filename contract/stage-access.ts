import { STORAGE_ACCESS, type BucketRole, type PrefixAccess } from './storage-access';
import type { StageName } from './stages';

/** The databases a stage connects to, each through its own Secrets Manager secret. */
export type DatabaseRole = 'source' | 'warehouse';

/** Where the watermarks are, below the stack's parameter path: `<path>/watermarks/<table>`. */
export const WATERMARK_PARAMETERS = 'watermarks/';

/** The tables an operator paused (`deliverance pause`), a JSON array: `<path>/paused-tables`. */
export const PAUSED_TABLES_PARAMETER = 'paused-tables';

/**
 * The source's UTC offset when each table's watermark was read, a JSON object of seconds by
 * table: `<path>/source-zone`. A lower offset now means the source's TimeZone stepped back.
 */
export const SOURCE_ZONE_PARAMETER = 'source-zone';

/**
 * The schema changes each table's last ingest found standing, a JSON array: `<path>/schema-changes`
 * (lambdas/ingest/schema-policy.ts). Status and doctor read it.
 */
export const SCHEMA_CHANGES_PARAMETER = 'schema-changes';
/**
 * The deletes reconciliation's state, a JSON object by table (when each was last reconciled, the
 * batch of its last tombstones, what the guard holds): `<path>/deletes`.
 */
export const DELETES_STATE_PARAMETER = 'deletes';

/** SSM parameters by path below the stack's parameter path (`deliverance:parameterPrefix`). */
export interface ParameterAccess {
  /** GetParameter. */
  readonly read?: readonly string[];
  /** PutParameter. */
  readonly write?: readonly string[];
}

/**
 * Everything one stage reaches besides its own logs: the CDK grants and the function's
 * environment are both derived from it (`lib/grants.ts`, `connectStage`), so a stage can only
 * name a bucket, secret or parameter path the stack granted it, and the rehearsal authorises
 * each of its requests against those grants.
 */
export interface StageAccess {
  readonly storage: Readonly<Partial<Record<BucketRole, PrefixAccess>>>;
  /** The databases whose secret value it reads. */
  readonly databases: readonly DatabaseRole[];
  readonly parameters?: ParameterAccess;
  /** Starts its own next invocation (the unqualified function only). */
  readonly invokesItself?: boolean;
}

export const STAGE_ACCESS: Readonly<Record<StageName, StageAccess>> = {
  ingest: {
    storage: STORAGE_ACCESS.ingest,
    // The warehouse only to read which keys it holds, in a read-only transaction: the deletes
    // reconciliation compares them with the source's (lambdas/ingest/deletes/).
    databases: ['source', 'warehouse'],
    // Ingest reads the paused tables each run and never writes them.
    parameters: {
      read: [
        WATERMARK_PARAMETERS,
        PAUSED_TABLES_PARAMETER,
        SOURCE_ZONE_PARAMETER,
        SCHEMA_CHANGES_PARAMETER,
        DELETES_STATE_PARAMETER,
      ],
      write: [
        WATERMARK_PARAMETERS,
        SOURCE_ZONE_PARAMETER,
        SCHEMA_CHANGES_PARAMETER,
        DELETES_STATE_PARAMETER,
      ],
    },
    // A run that left a backlog starts the next batch itself (lambdas/ingest/backlog.ts).
    invokesItself: true,
  },
  transform: { storage: STORAGE_ACCESS.transform, databases: [] },
  load: { storage: STORAGE_ACCESS.load, databases: ['warehouse'] },
};

/**
 * The deploy's warehouse preparation (`lib/warehouse-preparation.ts`): a second handler of the
 * load's bundle that CloudFormation runs to apply the load's migrations before anything reads
 * the warehouse. It reaches the warehouse and nothing of the pipeline's storage.
 */
export const WAREHOUSE_PREPARATION_ACCESS: StageAccess = { storage: {}, databases: ['warehouse'] };

/** An AWS service a stage's code calls (its endpoint prefix, `<service>.<region>.amazonaws.com`). */
export type AwsService = 's3' | 'secretsmanager' | 'ssm' | 'lambda';

/**
 * The service behind each kind of access. Every key of {@link StageAccess} must be here, so a new
 * kind of access cannot be declared without naming the service a VPC must reach for it.
 */
const SERVICE_OF_ACCESS: { readonly [K in keyof Required<StageAccess>]: AwsService } = {
  storage: 's3',
  databases: 'secretsmanager',
  parameters: 'ssm',
  invokesItself: 'lambda',
};

/** True for a declared access that grants something (not `false`, nor an empty list or map). */
function grantsSomething(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null)
    return Object.values(value).some(grantsSomething);
  return value === true || (typeof value === 'string' && value !== '');
}

/**
 * The AWS services the stages call, in a stable order: what a VPC without a NAT needs an
 * endpoint for (`lib/vpc-endpoints.ts`). Logs and metrics are not among them: Lambda ships the
 * functions' output from outside the VPC.
 *
 * @example
 * servicesReached([STAGE_ACCESS.transform]); // ['s3']
 */
export function servicesReached(accesses: readonly StageAccess[]): AwsService[] {
  const services = new Set<AwsService>();
  for (const access of accesses) {
    for (const [kind, service] of Object.entries(SERVICE_OF_ACCESS)) {
      if (grantsSomething(access[kind as keyof StageAccess])) services.add(service);
    }
  }
  return [...services].sort();
}

/** The variable naming each bucket, in the environment of the stages that reach it. */
export const BUCKET_ENV: Readonly<Record<BucketRole, string>> = {
  landing: 'LANDING_BUCKET',
  processed: 'PROCESSED_BUCKET',
};

/** The variable naming each database's secret (its ARN, or its name when no ARN is known). */
export const DATABASE_SECRET_ENV: Readonly<Record<DatabaseRole, string>> = {
  source: 'SOURCE_SECRET_ID',
  warehouse: 'WAREHOUSE_SECRET_ID',
};

/** Where a database is, as opposed to who may log in to it (the secret's username and password). */
export type EndpointField = 'host' | 'port' | 'database';

/**
 * Host, port and database name set in the stack's context. Each field set wins over the
 * secret's: an RDS-managed secret holds only `username` and `password`, and the context is what
 * the operator chose for this stack.
 */
export interface DatabaseEndpoint {
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
}

/** The variables carrying each database's endpoint; one is set only when its setting is. */
export const DATABASE_ENDPOINT_ENV: Readonly<
  Record<DatabaseRole, Readonly<Record<EndpointField, string>>>
> = {
  source: { host: 'SOURCE_HOST', port: 'SOURCE_PORT', database: 'SOURCE_DATABASE' },
  warehouse: { host: 'WAREHOUSE_HOST', port: 'WAREHOUSE_PORT', database: 'WAREHOUSE_DATABASE' },
};

/** The `deliverance:*` setting of each endpoint field, so a message can send the operator there. */
export const DATABASE_ENDPOINT_SETTING: Readonly<
  Record<DatabaseRole, Readonly<Record<EndpointField, string>>>
> = {
  source: { host: 'sourceHost', port: 'sourcePort', database: 'sourceDatabase' },
  warehouse: { host: 'warehouseHost', port: 'warehousePort', database: 'warehouseDatabase' },
};

/**
 * The database name when neither the context nor the secret names one: totesys's own name, and
 * `postgres`, the database every RDS for PostgreSQL instance starts with, where the load
 * function's migrations build the warehouse.
 */
export const DEFAULT_DATABASE_NAME: Readonly<Record<DatabaseRole, string>> = {
  source: 'totesys',
  warehouse: 'postgres',
};

/** The variable holding the stack's parameter path, for a stage that reaches parameters. */
export const PARAMETER_PREFIX_ENV = 'WATERMARK_PARAMETER_PREFIX';
