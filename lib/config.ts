import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { FRESHNESS_THRESHOLD_SECONDS } from '../contract/freshness';
import {
  DELETES_GUARD_PERCENT,
  DELETES_SCHEDULE,
  parseDeletesGuard,
  parseDeletesSchedule,
  parseSchemaContract,
  RETIRED_DELETES_INTERVAL,
  TUNINGS,
  type TuningName,
} from '../contract/settings';
import { SOURCE_TABLES } from '../contract/pipeline-tables';
import {
  DATABASE_ENDPOINT_SETTING,
  type DatabaseEndpoint,
  type DatabaseRole,
} from '../contract/stage-access';
import { STAGES, type StageName } from '../contract/stages';
import { validateScheduleExpression } from '../contract/schedule-expression';

/** The three Lambda stages, also their Powertools service names. */
export type Stage = StageName;
export { STAGES };

/** A coarse Lambda size, so `cdk.json` says intent and this file holds the numbers. */
export type SizeClass = 'small' | 'medium' | 'large' | 'xlarge';

export interface FunctionSize {
  readonly memorySize: number;
  readonly timeout: Duration;
}

/**
 * The most memory Lambda gives a function in a new account until the quota is raised (Service
 * Quotas or support): a bigger function makes the whole stack roll back on create.
 */
export const NEW_ACCOUNT_MEMORY_QUOTA_MB = 3008;

/**
 * Memory buys CPU on Lambda (1,769 MB = one vCPU), and Parquet encoding is CPU-bound, so the
 * classes scale both together; `large` keeps the full 15 minutes for a first full load at the
 * new-account quota, and only `xlarge` (two full vCPUs) goes above it, chosen explicitly.
 */
export const SIZE_CLASSES: Readonly<Record<SizeClass, FunctionSize>> = {
  small: { memorySize: 512, timeout: Duration.minutes(2) },
  medium: { memorySize: 1769, timeout: Duration.minutes(5) },
  large: { memorySize: NEW_ACCOUNT_MEMORY_QUOTA_MB, timeout: Duration.minutes(15) },
  xlarge: { memorySize: 3538, timeout: Duration.minutes(15) },
};

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Where the functions reach the databases when those are not publicly reachable. */
export interface NetworkConfig {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** @default - the functions get a new security group with outbound access only */
  readonly securityGroupId?: string;
  /**
   * Create the VPC endpoints of every AWS service the stages call, so the subnets need no NAT.
   * @default false - the subnets reach AWS through a NAT gateway or endpoints of their own
   */
  readonly vpcEndpoints: boolean;
  /**
   * Route tables of the subnets, for a free S3 gateway endpoint; without them S3 gets an
   * interface endpoint like the other services (imported subnets carry no route table).
   * @default - none
   */
  readonly routeTableIds: readonly string[];
}

/** Analyst access through QuickSight; absent unless `deliverance:quickSight` is true. */
export interface QuickSightConfig {
  /** ARN of the QuickSight VPC connection that reaches the warehouse. */
  readonly vpcConnectionArn: string;
  /** Warehouse port: `deliverance:warehousePort`, else 5432. */
  readonly port: number;
  /** Warehouse host and database name from the context; the warehouse secret's otherwise. */
  readonly host?: string;
  readonly database?: string;
  /**
   * QuickSight users or groups granted ownership of the data source and data sets, and the
   * dashboard's viewers; at least one.
   */
  readonly principalArns: readonly string[];
}

/** Everything the stack reads from `cdk.json` context, validated. */
export interface DeliveranceConfig {
  /** Short name (`dev`, `prod`, …) used in resource names; `dev` may delete its data. */
  readonly environment: string;
  /** Default ingest schedule, EventBridge `cron(…)` or `rate(…)`. */
  readonly ingestSchedule: string;
  /** Source tables ingested on their own schedule instead of the default one. */
  readonly tableSchedules: Readonly<Record<string, string>>;
  /** Seconds re-read behind each watermark (docs/guarantees.md §2). */
  readonly overlapSeconds: number;
  /** Rows per source table per batch; a bigger backlog drains over several batches. */
  readonly maxBatchRows: number;
  /** Seconds past the source's clock before a row is reported as future-stamped. */
  readonly futureToleranceSeconds: number;
  /**
   * What a table's ingest does at a new source column: `evolve`, `freeze`, or per-table
   * overrides (`evolve,payment=freeze`); see contract/settings.ts.
   */
  readonly schemaContract: string;
  /**
   * When each table's deletes reconciliation comes round (docs/guarantees.md, "Deletes"): a
   * schedule expression, then per-table overrides (`rate(1 day),payment=cron(0 2 * * ? *)`).
   */
  readonly deletesSchedule: string;
  /** Tombstones per source table per run. */
  readonly maxDeletesPerRun: number;
  /**
   * The deletes guard: more than this percentage of a table gone is held for an operator; a
   * percentage, then per-table overrides (`5,payment=20`).
   */
  readonly deletesGuardPercent: string;
  /** SSM prefix; watermarks live under `<prefix>/watermarks/<table>`. */
  readonly watermarkParameterPrefix: string;
  /** Who receives alarm e-mails (each must confirm the subscription). */
  readonly adminEmails: readonly string[];
  readonly lambdaSizes: Readonly<Record<Stage, SizeClass>>;
  readonly logLevel: LogLevel;
  readonly network?: NetworkConfig;
  /** Name or ARN of the Secrets Manager secret holding the totesys connection. */
  readonly sourceSecret: string;
  /** Name or ARN of the Secrets Manager secret holding the warehouse connection. */
  readonly warehouseSecret: string;
  /**
   * Host, port and database name set in the context, each winning over the secret's field: an
   * RDS-managed secret holds only `username` and `password`.
   */
  readonly sourceEndpoint: DatabaseEndpoint;
  readonly warehouseEndpoint: DatabaseEndpoint;
  /** The customer-managed KMS key the secret is encrypted with; absent for `aws/secretsmanager`. */
  readonly sourceSecretKmsKeyArn?: string;
  readonly warehouseSecretKmsKeyArn?: string;
  /** Retention of the functions' CloudWatch log groups. */
  readonly logRetentionDays: RetentionDays;
  /** Age at which landing objects move to S3 Standard-IA. */
  readonly landingTransitionDays: number;
  /** Alarm when no ingest run has succeeded for this many minutes. */
  readonly ingestAlarmMinutes: number;
  /** Alarm when the newest loaded source change is older than this. */
  readonly freshnessThresholdSeconds: number;
  readonly quickSight?: QuickSightConfig;
}

/** Thrown with every problem found in the context at once, so one edit fixes them all. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid Deliverance configuration in cdk.json context (or -c key=value):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** The context keys, all prefixed so they never collide with CDK's own flags. */
export const CONTEXT_PREFIX = 'deliverance:';

export const DEFAULTS = {
  environment: 'dev',
  ingestSchedule: 'cron(0/5 * * * ? *)',
  lambdaSizes: { ingest: 'medium', transform: 'large', load: 'medium' },
  logLevel: 'INFO',
  sourceSecret: 'deliverance/totesys',
  warehouseSecret: 'deliverance/warehouse',
  logRetentionDays: 30,
  landingTransitionDays: 30,
  ingestAlarmMinutes: 30,
  freshnessThresholdSeconds: FRESHNESS_THRESHOLD_SECONDS,
  warehousePort: 5432,
} as const;

const SIZE_CLASS_NAMES = Object.keys(SIZE_CLASSES) as SizeClass[];
const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
const RETENTION_VALUES = Object.values(RetentionDays).filter(
  (v): v is RetentionDays => typeof v === 'number' && v !== RetentionDays.INFINITE,
);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// "!" only in the names RDS gives the secrets it manages (`rds!db-…`, `rds!cluster-…`).
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@!-]+$/;
const SECRET_NAME = /^[\w/+=.@!-]{1,512}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/(mrk-)?[0-9a-f-]{32,36}$/;
const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
// PostgreSQL cuts names at 63 bytes; quotes and spaces would be typos in a database name.
const DATABASE_NAME = /^[A-Za-z_][\w$-]{0,62}$/;

/** Anything with CDK's context lookup: an `App`, a `Node`, or a test double. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/**
 * Reads and validates the `deliverance:*` context.
 *
 * @throws ConfigError listing every invalid value
 * @example
 * const config = readConfig(app.node);
 */
export function readConfig(context: ContextSource): DeliveranceConfig {
  const reader = new ContextReader(context);
  const environment = reader.string('environment', DEFAULTS.environment, (v) =>
    /^[a-z][a-z0-9-]{0,15}$/.test(v)
      ? undefined
      : 'must be 1-16 lower-case letters, digits or "-", starting with a letter',
  );
  const ingestSchedule = reader.string('ingestSchedule', DEFAULTS.ingestSchedule, (v) =>
    validateScheduleExpression(v),
  );
  const tableSchedules = reader.tableSchedules();
  const overlapSeconds = reader.tuning('overlapSeconds');
  const futureToleranceSeconds = reader.tuning('futureToleranceSeconds');
  if (context.tryGetContext(`${CONTEXT_PREFIX}${RETIRED_DELETES_INTERVAL.context}`) !== undefined) {
    reader.problem(
      RETIRED_DELETES_INTERVAL.context,
      `is no longer read: set ${CONTEXT_PREFIX}deletesSchedule instead (${RETIRED_DELETES_INTERVAL.instead})`,
    );
  }
  const deletesSchedule = reader.perTable(
    'deletesSchedule',
    DELETES_SCHEDULE.default.default,
    parseDeletesSchedule,
  );
  const maxDeletesPerRun = reader.tuning('maxDeletesPerRun');
  const deletesGuardPercent = reader.perTable(
    'deletesGuardPercent',
    String(DELETES_GUARD_PERCENT.default.default),
    parseDeletesGuard,
  );
  const maxBatchRows = reader.tuning('maxBatchRows');
  const schemaContract = reader.string('schemaContract', 'evolve', (v) =>
    typeof parseSchemaContract('schemaContract', v) === 'string'
      ? 'must be a policy (evolve or freeze), then table=policy overrides: "evolve,payment=freeze"'
      : undefined,
  );
  const watermarkParameterPrefix = reader.string(
    'watermarkParameterPrefix',
    `/deliverance/${environment}`,
    (v) =>
      /^(\/[\w.-]+)+$/.test(v)
        ? undefined
        : 'must look like "/deliverance/prod": starts with "/", no trailing "/", letters, digits, "_", "." or "-"',
  );
  const adminEmails = reader.stringList('adminEmails', (v) =>
    EMAIL.test(v) ? undefined : 'is not an e-mail address',
  );
  // A stack whose alarms reach nobody looks healthy while it stops; only dev may be that quiet.
  if (environment !== DEFAULTS.environment && adminEmails.length === 0) {
    reader.problem(
      'adminEmails',
      `the ${environment} stack needs at least one alarm recipient, e.g. -c '${CONTEXT_PREFIX}adminEmails=["oncall@example.com"]' (only dev may deploy without)`,
    );
  }
  const lambdaSizes = reader.lambdaSizes();
  const logLevel = reader.string('logLevel', DEFAULTS.logLevel, (v) =>
    (LOG_LEVELS as readonly string[]).includes(v)
      ? undefined
      : `must be one of ${LOG_LEVELS.join(', ')}`,
  ) as LogLevel;
  const network = reader.network();
  const secret = (v: string): string | undefined =>
    v.startsWith('arn:')
      ? SECRET_ARN.test(v)
        ? undefined
        : 'is not a Secrets Manager secret ARN'
      : SECRET_NAME.test(v)
        ? undefined
        : 'is not a Secrets Manager secret name'; // never a value: secrets are only referenced
  const sourceSecret = reader.string('sourceSecret', DEFAULTS.sourceSecret, secret);
  const warehouseSecret = reader.string('warehouseSecret', DEFAULTS.warehouseSecret, secret);
  const sourceEndpoint = reader.databaseEndpoint('source');
  const warehouseEndpoint = reader.databaseEndpoint('warehouse');
  const sourceSecretKmsKeyArn = reader.secretKey('sourceSecretKmsKeyArn', sourceSecret);
  const warehouseSecretKmsKeyArn = reader.secretKey('warehouseSecretKmsKeyArn', warehouseSecret);
  const logRetentionDays = reader.integer(
    'logRetentionDays',
    DEFAULTS.logRetentionDays,
    1,
    3653,
    (v) =>
      (RETENTION_VALUES as number[]).includes(v)
        ? undefined
        : `must be one CloudWatch Logs accepts: ${RETENTION_VALUES.join(', ')}`,
  ) as RetentionDays;
  // S3 refuses a transition to Standard-IA sooner than 30 days after creation.
  const landingTransitionDays = reader.integer(
    'landingTransitionDays',
    DEFAULTS.landingTransitionDays,
    30,
    36_500,
  );
  const ingestAlarmMinutes = reader.integer(
    'ingestAlarmMinutes',
    DEFAULTS.ingestAlarmMinutes,
    5,
    1440,
  );
  const freshnessThresholdSeconds = reader.integer(
    'freshnessThresholdSeconds',
    DEFAULTS.freshnessThresholdSeconds,
    60,
    604_800,
  );
  const quickSight = reader.quickSight(warehouseSecret, warehouseEndpoint);

  reader.throwIfInvalid();
  return {
    environment,
    ingestSchedule,
    tableSchedules,
    overlapSeconds,
    maxBatchRows,
    futureToleranceSeconds,
    schemaContract,
    deletesSchedule,
    maxDeletesPerRun,
    deletesGuardPercent,
    watermarkParameterPrefix,
    adminEmails,
    lambdaSizes,
    logLevel,
    ...(network ? { network } : {}),
    sourceSecret,
    warehouseSecret,
    sourceEndpoint,
    warehouseEndpoint,
    ...(sourceSecretKmsKeyArn ? { sourceSecretKmsKeyArn } : {}),
    ...(warehouseSecretKmsKeyArn ? { warehouseSecretKmsKeyArn } : {}),
    logRetentionDays,
    landingTransitionDays,
    ingestAlarmMinutes,
    freshnessThresholdSeconds,
    ...(quickSight ? { quickSight } : {}),
  };
}

type Check<T> = (value: T) => string | undefined;

/** Collects problems instead of throwing at the first, and accepts `-c` strings as JSON. */
class ContextReader {
  private readonly problems: string[] = [];

  constructor(private readonly context: ContextSource) {}

  throwIfInvalid(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  /** A problem that is not about one value's form, but about settings that must go together. */
  problem(key: string, message: string): void {
    this.problems.push(`${CONTEXT_PREFIX}${key}: ${message}`);
  }

  string(key: string, fallback: string, check?: Check<string>): string {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string') return this.fail(key, raw, 'must be a string', fallback);
    const problem = check?.(raw);
    return problem ? this.fail(key, raw, problem, fallback) : raw;
  }

  integer(key: string, fallback: number, min: number, max: number, check?: Check<number>): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(key, raw, `must be a whole number from ${min} to ${max}`, fallback);
    }
    const problem = check?.(value);
    return problem ? this.fail(key, raw, problem, fallback) : value;
  }

  /** A tuning the functions read too, with the default and bounds contract/settings.ts gives it. */
  tuning(name: TuningName): number {
    const { default: fallback, min, max } = TUNINGS[name];
    return this.integer(name, fallback, min, max);
  }

  /**
   * A per-table setting's text (contract/settings.ts), a number taken as its text; its parse's
   * problem, which names the key and every part at fault, is the one reported.
   */
  perTable(key: string, fallback: string, parse: (name: string, raw: string) => unknown): string {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string') return this.fail(key, raw, 'must be a string', fallback);
    const parsed = parse(`${CONTEXT_PREFIX}${key}`, text);
    if (typeof parsed !== 'string') return text;
    this.problems.push(parsed);
    return fallback;
  }

  stringList(key: string, check: Check<string>): string[] {
    const raw = this.json(key);
    if (raw === undefined || raw === '') return [];
    const list = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : raw;
    if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) {
      return this.fail(key, raw, 'must be a list of strings (or one comma-separated string)', []);
    }
    for (const item of list) {
      const problem = check(item);
      if (problem) this.problems.push(`${CONTEXT_PREFIX}${key}: "${item}" ${problem}`);
    }
    return list;
  }

  /** The host, port and database name set for `role`; an empty value counts as unset. */
  databaseEndpoint(role: DatabaseRole): DatabaseEndpoint {
    const keys = DATABASE_ENDPOINT_SETTING[role];
    const set = (key: string) => this.raw(key) !== undefined && this.raw(key) !== '';
    const host = set(keys.host)
      ? this.string(keys.host, '', (v) =>
          HOST.test(v) ? undefined : 'is not a host name or IPv4 address',
        )
      : '';
    const port = set(keys.port) ? this.integer(keys.port, 0, 1, 65_535) : 0;
    const database = set(keys.database)
      ? this.string(keys.database, '', (v) =>
          DATABASE_NAME.test(v)
            ? undefined
            : 'is not a database name (a letter or "_", then up to 62 letters, digits, "_", "$" or "-")',
        )
      : '';
    return {
      ...(host ? { host } : {}),
      ...(port ? { port } : {}),
      ...(database ? { database } : {}),
    };
  }

  /** The KMS key ARN under `key`, in the region of `secret` when that is an ARN. */
  secretKey(key: string, secret: string): string | undefined {
    const raw = this.raw(key);
    if (raw === undefined || raw === '') return undefined;
    const arn = this.string(key, '', (v) =>
      KMS_KEY_ARN.test(v)
        ? undefined
        : 'is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; IAM cannot grant on an alias)',
    );
    const keyRegion = KMS_KEY_ARN.exec(arn)?.[1];
    const secretRegion = SECRET_ARN.test(secret) ? secret.split(':')[3] : undefined;
    if (keyRegion && secretRegion && keyRegion !== secretRegion) {
      return this.fail(
        key,
        raw,
        `is in ${keyRegion}, but the secret is in ${secretRegion}: Secrets Manager encrypts with a key of its own region`,
        undefined,
      );
    }
    return arn || undefined;
  }

  tableSchedules(): Record<string, string> {
    const key = 'tableSchedules';
    const raw = this.json(key);
    if (raw === undefined) return {};
    if (!isRecord(raw)) {
      return this.fail(key, raw, 'must map table names to schedule expressions', {});
    }
    const schedules: Record<string, string> = {};
    for (const [table, expression] of Object.entries(raw)) {
      if (!(SOURCE_TABLES as readonly string[]).includes(table)) {
        this.problems.push(
          `${CONTEXT_PREFIX}${key}: "${table}" is not a totesys table; use one of ${SOURCE_TABLES.join(', ')}`,
        );
        continue;
      }
      const problem =
        typeof expression === 'string'
          ? validateScheduleExpression(expression)
          : 'must be a schedule expression string';
      if (problem) {
        this.problems.push(`${CONTEXT_PREFIX}${key}.${table}: "${String(expression)}" ${problem}`);
        continue;
      }
      schedules[table] = expression as string;
    }
    return schedules;
  }

  lambdaSizes(): Record<Stage, SizeClass> {
    const key = 'lambdaSize';
    const sizes: Record<Stage, SizeClass> = { ...DEFAULTS.lambdaSizes };
    const raw = this.json(key);
    if (raw === undefined) return sizes;
    if (!isRecord(raw)) return this.fail(key, raw, 'must map stage names to size classes', sizes);
    for (const [stage, size] of Object.entries(raw)) {
      if (!(STAGES as readonly string[]).includes(stage)) {
        this.problems.push(
          `${CONTEXT_PREFIX}${key}: "${stage}" is not a stage; use ${STAGES.join(', ')}`,
        );
      } else if (!(SIZE_CLASS_NAMES as readonly unknown[]).includes(size)) {
        this.problems.push(
          `${CONTEXT_PREFIX}${key}.${stage}: "${String(size)}" is not a size class; use ${SIZE_CLASS_NAMES.join(', ')}`,
        );
      } else {
        sizes[stage as Stage] = size as SizeClass;
      }
    }
    return sizes;
  }

  network(): NetworkConfig | undefined {
    const vpcId = this.raw('vpcId');
    const subnetIds = this.stringList('subnetIds', (v) =>
      /^subnet-[0-9a-f]{8,17}$/.test(v) ? undefined : 'is not a subnet id',
    );
    const securityGroupId = this.raw('securityGroupId');
    const vpcEndpoints = this.boolean('vpcEndpoints', false);
    const routeTableIds = this.stringList('routeTableIds', (v) =>
      /^rtb-[0-9a-f]{8,17}$/.test(v) ? undefined : 'is not a route table id',
    );
    if (routeTableIds.length > 0 && !vpcEndpoints) {
      this.problems.push(
        `${CONTEXT_PREFIX}routeTableIds: only used for the S3 gateway endpoint; set ${CONTEXT_PREFIX}vpcEndpoints to true or remove it`,
      );
    }
    if (vpcId === undefined || vpcId === '') {
      if (subnetIds.length > 0 || securityGroupId !== undefined || vpcEndpoints) {
        this.problems.push(
          `${CONTEXT_PREFIX}vpcId: must be set when subnetIds, securityGroupId or vpcEndpoints are (the functions join that VPC)`,
        );
      }
      return undefined;
    }
    if (typeof vpcId !== 'string' || !/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) {
      return this.fail('vpcId', vpcId, 'is not a VPC id (vpc-…)', undefined);
    }
    if (subnetIds.length === 0) {
      this.problems.push(
        `${CONTEXT_PREFIX}subnetIds: list the private subnets of ${vpcId} the functions should use`,
      );
    }
    if (
      securityGroupId !== undefined &&
      (typeof securityGroupId !== 'string' || !/^sg-[0-9a-f]{8,17}$/.test(securityGroupId))
    ) {
      return this.fail(
        'securityGroupId',
        securityGroupId,
        'is not a security group id (sg-…)',
        undefined,
      );
    }
    return {
      vpcId,
      subnetIds,
      ...(typeof securityGroupId === 'string' ? { securityGroupId } : {}),
      vpcEndpoints,
      routeTableIds,
    };
  }

  boolean(key: string, fallback: boolean): boolean {
    const raw = this.json(key);
    if (raw === undefined) return fallback;
    return typeof raw === 'boolean' ? raw : this.fail(key, raw, 'must be true or false', fallback);
  }

  quickSight(warehouseSecret: string, warehouse: DatabaseEndpoint): QuickSightConfig | undefined {
    const enabled = this.json('quickSight');
    if (enabled === undefined || enabled === false) return undefined;
    if (enabled !== true)
      return this.fail('quickSight', enabled, 'must be true or false', undefined);
    const vpcConnectionArn = this.string('quickSightVpcConnectionArn', '', (v) =>
      /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:vpcConnection\/.+$/.test(v)
        ? undefined
        : 'is not a QuickSight VPC connection ARN',
    );
    if (vpcConnectionArn === '') {
      this.problems.push(
        `${CONTEXT_PREFIX}quickSightVpcConnectionArn: required when ${CONTEXT_PREFIX}quickSight is true`,
      );
    }
    // QuickSight takes the secret by complete ARN only; a name cannot be resolved to one at synth.
    if (!SECRET_ARN.test(warehouseSecret)) {
      this.problems.push(
        `${CONTEXT_PREFIX}warehouseSecret: QuickSight needs the secret's complete ARN (ending in -XXXXXX), not "${warehouseSecret}"`,
      );
    }
    const principalArns = this.stringList('quickSightPrincipalArns', (v) =>
      /^arn:aws[a-z-]*:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/.test(v)
        ? undefined
        : 'is not a QuickSight user or group ARN',
    );
    if (principalArns.length === 0) {
      this.problems.push(
        `${CONTEXT_PREFIX}quickSightPrincipalArns: name the QuickSight group or user the dashboard is shared with`,
      );
    }
    return {
      vpcConnectionArn,
      port: warehouse.port ?? DEFAULTS.warehousePort,
      ...(warehouse.host ? { host: warehouse.host } : {}),
      ...(warehouse.database ? { database: warehouse.database } : {}),
      principalArns,
    };
  }

  private raw(key: string): unknown {
    return this.context.tryGetContext(`${CONTEXT_PREFIX}${key}`);
  }

  /** Objects and lists given with `-c key=value` arrive as strings: read those as JSON. */
  private json(key: string): unknown {
    const raw = this.raw(key);
    if (typeof raw !== 'string') return raw;
    const trimmed = raw.trim();
    if (!/^[[{]|^(true|false)$/.test(trimmed)) return raw;
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return raw;
    }
  }

  private fail<T>(key: string, raw: unknown, problem: string, fallback: T): T {
    this.problems.push(`${CONTEXT_PREFIX}${key}: ${JSON.stringify(raw)} ${problem}`);
    return fallback;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tables grouped by schedule: each override expression, then the default for the rest. */
export interface IngestSchedule {
  readonly expression: string;
  /** `undefined` means every table, so a table added to the catalogue is never left out. */
  readonly tables?: readonly string[];
}

/**
 * Groups tables by schedule expression. Tables that share an override share one schedule;
 * the default schedule ingests everything without an override.
 */
export function ingestSchedules(config: DeliveranceConfig): IngestSchedule[] {
  const byExpression = new Map<string, string[]>();
  const overridden = Object.entries(config.tableSchedules).filter(
    ([, expression]) => expression !== config.ingestSchedule,
  );
  for (const [table, expression] of overridden) {
    byExpression.set(expression, [...(byExpression.get(expression) ?? []), table]);
  }
  const remaining = SOURCE_TABLES.filter((t) => !overridden.some(([table]) => table === t));
  const schedules: IngestSchedule[] = [...byExpression].map(([expression, tables]) => ({
    expression,
    tables: tables.sort(),
  }));
  if (byExpression.size === 0) return [{ expression: config.ingestSchedule }];
  if (remaining.length > 0)
    schedules.push({ expression: config.ingestSchedule, tables: remaining });
  return schedules;
}
