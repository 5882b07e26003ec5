/**
 * Every setting a stage's function reads from its environment, declared once: its variable, its
 * default and how it is checked. `lib/` sets the environment from here, each handler reads it
 * here at its start (`lambdas/shared/adapters/stage-settings.ts`), and the command line reads the
 * same tunings with the `DELIVERANCE_` prefix (`cli/settings.ts`); every problem is reported in
 * one message, as `lib/config.ts` does for the CDK context.
 */
import { DEFAULT_FUTURE_TOLERANCE_SECONDS, DEFAULT_MAX_BATCH_ROWS } from './batch-bounds';
import {
  BUCKET_ENV,
  DATABASE_ENDPOINT_ENV,
  DATABASE_SECRET_ENV,
  PARAMETER_PREFIX_ENV,
  STAGE_ACCESS,
  type DatabaseEndpoint,
  type DatabaseRole,
  type StageAccess,
} from './stage-access';
import type { BucketRole } from './storage-access';
import { parseScheduleExpression } from './schedule-expression';
import { isSourceTableName, type SourceTableName } from './source-catalogue';
import type { StageName } from './stages';

/** A whole number a stage is tuned by, with its bounds. */
export interface WholeNumberSetting {
  /** The function's environment variable; the command line reads `DELIVERANCE_<env>`. */
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** What it counts, for the message: `seconds`, `rows`. */
  readonly unit: string;
}

/** The tunings, by the name the stack's context (`deliverance:<name>`) and the code use. */
export const TUNINGS = {
  /** Seconds re-read behind each watermark (docs/guarantees.md §2). */
  overlapSeconds: { env: 'OVERLAP_SECONDS', default: 300, min: 0, max: 86_400, unit: 'seconds' },
  /** Rows per source table per batch; a bigger backlog drains over several batches. */
  maxBatchRows: {
    env: 'MAX_BATCH_ROWS',
    default: DEFAULT_MAX_BATCH_ROWS,
    min: 1,
    max: 1_000_000_000,
    unit: 'rows',
  },
  /** Seconds past the source's clock before a row is reported as future-stamped. */
  futureToleranceSeconds: {
    env: 'FUTURE_TOLERANCE_SECONDS',
    default: DEFAULT_FUTURE_TOLERANCE_SECONDS,
    min: 0,
    max: 86_400,
    unit: 'seconds',
  },
  /** Tombstones per source table per run; more wait for the next run. */
  maxDeletesPerRun: {
    env: 'MAX_DELETES_PER_RUN',
    default: DEFAULT_MAX_BATCH_ROWS,
    min: 1,
    max: 1_000_000_000,
    unit: 'rows',
  },
} as const satisfies Record<string, WholeNumberSetting>;

export type TuningName = keyof typeof TUNINGS;
export type Tunings = { readonly [T in TuningName]: number };

/** A setting with a value for every source table: a default, and the tables that differ from it. */
export interface PerTable<T> {
  readonly default: T;
  readonly tables: Readonly<Partial<Record<SourceTableName, T>>>;
}

/**
 * The value `setting` gives `table`.
 *
 * @example
 * tableSetting({ default: 5, tables: { payment: 20 } }, 'payment'); // 20
 */
export function tableSetting<T>(setting: PerTable<T>, table: SourceTableName): T {
  return setting.tables[table] ?? setting.default;
}

/**
 * What a table's ingest does when its source columns differ from the catalogue (dlt's schema
 * contracts): `evolve` keeps a new column in landing and reports it, and a column resized within
 * what the warehouse holds; `freeze` stops the table at those too. A dropped or retyped catalogue
 * column, or one resized past what the warehouse holds, stops its table under either.
 */
export type SchemaPolicy = 'evolve' | 'freeze';

export const SCHEMA_POLICIES: readonly SchemaPolicy[] = ['evolve', 'freeze'];

/** The policy of every source table: a default, and the tables that differ from it. */
export type SchemaContract = PerTable<SchemaPolicy>;

/**
 * The schema contract setting: ingest's `SCHEMA_CONTRACT`, the command line's
 * `DELIVERANCE_SCHEMA_CONTRACT`, the context's `deliverance:schemaContract`. Its text is a policy,
 * then per-table overrides: `evolve`, `freeze`, `evolve,payment=freeze`.
 */
export const SCHEMA_CONTRACT = {
  env: 'SCHEMA_CONTRACT',
  default: { default: 'evolve', tables: {} } as SchemaContract,
} as const;

/**
 * The schema contract `raw` stands for, or the problem with it; unset or empty is the default.
 *
 * @example
 * parseSchemaContract('SCHEMA_CONTRACT', 'evolve,payment=freeze');
 * // { default: 'evolve', tables: { payment: 'freeze' } }
 */
export function parseSchemaContract(
  name: string,
  raw: string | undefined,
): SchemaContract | string {
  return parsePerTable<SchemaPolicy>(
    name,
    raw,
    SCHEMA_CONTRACT.default,
    `a policy (${SCHEMA_POLICIES.join(' or ')}) then table=policy overrides, e.g. "evolve,payment=freeze"`,
    (text): PartReading<SchemaPolicy> =>
      SCHEMA_POLICIES.includes(text as SchemaPolicy) ? { value: text as SchemaPolicy } : {},
  );
}

/**
 * When each table's deletes reconciliation comes round (docs/guarantees.md, "Deletes"): an
 * EventBridge `cron(...)` or `rate(...)` expression, then per-table overrides, as ingest's
 * `DELETES_SCHEDULE`, the command line's `DELIVERANCE_DELETES_SCHEDULE` and the context's
 * `deliverance:deletesSchedule`: `rate(1 day)`, `rate(1 day),payment=cron(0 2 * * ? *)`. The
 * first ingest run of a table after its schedule came round reconciles it; a cron expression's
 * own commas stay inside its parentheses.
 */
export const DELETES_SCHEDULE = {
  env: 'DELETES_SCHEDULE',
  default: { default: 'rate(1 day)', tables: {} } as PerTable<string>,
} as const;

/**
 * The one interval every table's reconciliation had before the per-table schedules, refused where
 * it is still set rather than ignored: whoever set it to reconcile hourly, or weekly, would
 * otherwise get the daily default without a word.
 */
export const RETIRED_DELETES_INTERVAL = {
  env: 'DELETES_EVERY_SECONDS',
  context: 'deletesEverySeconds',
  instead:
    'rate(N minutes), rate(N hours), rate(N days) or a cron(...) expression, per table if need be',
} as const;

/**
 * The deletes schedule `raw` stands for, or every problem with it; unset or empty is the default.
 *
 * @example
 * parseDeletesSchedule('DELETES_SCHEDULE', 'rate(7 days),payment=cron(0 2 * * ? *)');
 * // { default: 'rate(7 days)', tables: { payment: 'cron(0 2 * * ? *)' } }
 */
export function parseDeletesSchedule(
  name: string,
  raw: string | undefined,
): PerTable<string> | string {
  return parsePerTable<string>(
    name,
    raw,
    DELETES_SCHEDULE.default,
    'a schedule (cron(...) or rate(...)) then table=schedule overrides, e.g. "rate(1 day),payment=cron(0 2 * * ? *)"',
    (text) => {
      const parsed = parseScheduleExpression(text);
      return typeof parsed === 'string' ? { problem: parsed } : { value: text };
    },
  );
}

/**
 * The deletes guard (docs/guarantees.md, "Deletes"): a reconciliation that finds more than this
 * percentage of a table's keys gone lands none of them and holds them for an operator
 * (`deliverance deletes --confirm`). A whole number from 0 to 100, then per-table overrides, as
 * ingest's `DELETES_GUARD_PERCENT`, the command line's `DELIVERANCE_DELETES_GUARD_PERCENT` and the
 * context's `deliverance:deletesGuardPercent`: `5`, `5,payment=20` (a table that purges old rows).
 */
export const DELETES_GUARD_PERCENT = {
  env: 'DELETES_GUARD_PERCENT',
  default: { default: 5, tables: {} } as PerTable<number>,
} as const;

/**
 * The deletes guard `raw` stands for, or every problem with it; unset or empty is the default.
 *
 * @example
 * parseDeletesGuard('DELETES_GUARD_PERCENT', '5,payment=20'); // { default: 5, tables: { payment: 20 } }
 */
export function parseDeletesGuard(
  name: string,
  raw: string | undefined,
): PerTable<number> | string {
  return parsePerTable<number>(
    name,
    raw,
    DELETES_GUARD_PERCENT.default,
    'a percentage then table=percentage overrides, e.g. "5,payment=20"',
    (text) =>
      /^\d+$/.test(text) && Number(text) <= 100
        ? { value: Number(text) }
        : { problem: 'a percentage is a whole number from 0 to 100' },
  );
}

/** The deletes reconciliation's per-table settings, as ingest reads them. */
export interface DeletesTableSettings {
  readonly schedule: PerTable<string>;
  readonly guardPercent: PerTable<number>;
}

/** One part of a per-table setting's text, read: its value, or why it is not one (if more to say). */
type PartReading<T> = { readonly value: T } | { readonly problem?: string };

/**
 * A per-table setting's text: a value, then `table=value` overrides, split at the commas outside
 * parentheses. The problem names the variable, the text and the form, then each part's reason.
 */
function parsePerTable<T>(
  name: string,
  raw: string | undefined,
  fallback: PerTable<T>,
  form: string,
  read: (text: string) => PartReading<T>,
): PerTable<T> | string {
  if (raw === undefined || raw.trim() === '') return fallback;
  let value = fallback.default;
  const tables: Partial<Record<SourceTableName, T>> = {};
  const reasons: string[] = [];
  let valid = true;
  for (const [index, part] of partsOf(raw).entries()) {
    const equals = part.indexOf('=');
    const table = equals < 0 ? undefined : part.slice(0, equals).trim();
    const reading = read((equals < 0 ? part : part.slice(equals + 1)).trim());
    const problem =
      'problem' in reading
        ? reading.problem
        : table === undefined
          ? index === 0
            ? undefined
            : 'only the first part goes without a table'
          : isSourceTableName(table)
            ? undefined
            : `${table} is not a source table`;
    if ('value' in reading && problem === undefined) {
      if (table !== undefined && isSourceTableName(table)) tables[table] = reading.value;
      else value = reading.value;
    } else {
      valid = false;
      if (problem) reasons.push(`"${part}": ${problem}`);
    }
  }
  if (valid) return { default: value, tables };
  const why = reasons.length > 0 ? ` (${reasons.join('; ')})` : '';
  return `${name}: ${JSON.stringify(raw)} is not ${form}${why}`;
}

/** `raw` split at its commas outside parentheses, each part trimmed. */
function partsOf(raw: string): string[] {
  const parts: string[] = [];
  let part = '';
  let depth = 0;
  for (const character of raw) {
    if (character === '(') depth++;
    if (character === ')') depth--;
    if (character === ',' && depth === 0) {
      parts.push(part.trim());
      part = '';
    } else part += character;
  }
  return [...parts, part.trim()];
}

/** The tunings each stage reads; its function's environment holds exactly these. */
export const STAGE_TUNINGS = {
  ingest: ['overlapSeconds', 'maxBatchRows', 'futureToleranceSeconds', 'maxDeletesPerRun'],
  transform: [],
  load: [],
} as const satisfies { readonly [S in StageName]: readonly TuningName[] };

/** The variable naming the analyst role's secret: set for the load when QuickSight is on. */
export const ANALYST_SECRET_ENV = 'ANALYST_SECRET_ID';

/** The prefix the command line reads the tunings with: `DELIVERANCE_OVERLAP_SECONDS`. */
export const CLI_ENV_PREFIX = 'DELIVERANCE_';

/** A database as a function reaches it: its secret, and the endpoint fields the stack set. */
export interface DatabaseSettings {
  readonly role: DatabaseRole;
  readonly secretId: string;
  readonly endpoint: DatabaseEndpoint;
}

/** What a function with `access` reads of its environment, all of it checked. */
export interface AccessSettings {
  readonly buckets: Readonly<Partial<Record<BucketRole, string>>>;
  readonly databases: Readonly<Partial<Record<DatabaseRole, DatabaseSettings>>>;
  readonly parameterPrefix?: string;
  /** Set when QuickSight is on and the function reaches the warehouse. */
  readonly analystSecretId?: string;
}

/**
 * The buckets, databases and parameters `STAGE_ACCESS` gives each stage, as types, so a handler
 * reads `settings.buckets.landing` as a string; test/unit/contract/settings.test.ts holds them
 * to `STAGE_ACCESS`.
 */
interface StageResources {
  readonly ingest: { buckets: 'landing'; databases: 'source' | 'warehouse'; parameters: true };
  readonly transform: { buckets: 'landing' | 'processed'; databases: never; parameters: false };
  readonly load: { buckets: 'processed'; databases: 'warehouse'; parameters: false };
}

/** A stage's settings: its resources, and the tunings it reads. */
export interface StageSettings<S extends StageName> extends AccessSettings {
  readonly buckets: { readonly [R in StageResources[S]['buckets']]: string };
  readonly databases: { readonly [R in StageResources[S]['databases']]: DatabaseSettings };
  readonly parameterPrefix: StageResources[S]['parameters'] extends true ? string : undefined;
  readonly tunings: { readonly [T in (typeof STAGE_TUNINGS)[S][number]]: number };
  /** Ingest's schema contract; the other stages read none. */
  readonly schemaContract: S extends 'ingest' ? SchemaContract : undefined;
  /** Ingest's deletes schedule and guard per table; the other stages read none. */
  readonly deletes: S extends 'ingest' ? DeletesTableSettings : undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Either the value, or every problem found reading it. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The whole number `raw` stands for under `setting`, or the problem with it; unset or empty is
 * the default.
 *
 * @example
 * parseTuning('OVERLAP_SECONDS', '-1', TUNINGS.overlapSeconds);
 * // 'OVERLAP_SECONDS: "-1" is not a whole number of seconds from 0 to 86400'
 */
export function parseTuning(
  name: string,
  raw: string | undefined,
  setting: WholeNumberSetting,
): number | string {
  if (raw === undefined || raw.trim() === '') return setting.default;
  const value = Number(raw);
  return Number.isSafeInteger(value) && value >= setting.min && value <= setting.max
    ? value
    : `${name}: ${JSON.stringify(raw)} is not a whole number of ${setting.unit} from ${setting.min} to ${setting.max}`;
}

/**
 * The tunings `names` from `env`, read as `<prefix><env>`, each its default when unset.
 *
 * @example
 * parseTunings(['maxBatchRows'], process.env, CLI_ENV_PREFIX); // reads DELIVERANCE_MAX_BATCH_ROWS
 */
export function parseTunings<T extends TuningName>(
  names: readonly T[],
  env: Environment,
  prefix = '',
): Parsed<{ readonly [N in T]: number }> {
  const problems: string[] = [];
  const value = {} as Record<T, number>;
  for (const name of names) {
    const variable = `${prefix}${TUNINGS[name].env}`;
    const parsed = parseTuning(variable, env[variable], TUNINGS[name]);
    if (typeof parsed === 'string') problems.push(parsed);
    else value[name] = parsed;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/**
 * The resources `access` names, from the variables `lib/grants.ts` sets for it: each bucket, each
 * database's secret and endpoint, the parameter path, and the analyst secret when set.
 */
export function parseAccessSettings(access: StageAccess, env: Environment): Parsed<AccessSettings> {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name} is not set: the stack sets it for this function`);
    return value ?? '';
  };
  const buckets: Partial<Record<BucketRole, string>> = {};
  for (const role of Object.keys(access.storage) as BucketRole[]) {
    buckets[role] = required(BUCKET_ENV[role]);
  }
  const databases: Partial<Record<DatabaseRole, DatabaseSettings>> = {};
  for (const role of access.databases) {
    const secretId = required(DATABASE_SECRET_ENV[role]);
    databases[role] = { role, secretId, endpoint: endpointOf(role, env, problems) };
  }
  const parameterPrefix = access.parameters ? required(PARAMETER_PREFIX_ENV) : undefined;
  const analystSecretId = access.databases.includes('warehouse')
    ? env[ANALYST_SECRET_ENV] || undefined
    : undefined;
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      buckets,
      databases,
      ...(parameterPrefix ? { parameterPrefix } : {}),
      ...(analystSecretId ? { analystSecretId } : {}),
    },
  };
}

/**
 * A stage's settings from its function's environment: what its access names and its tunings.
 *
 * @example
 * const parsed = parseStageSettings('ingest', process.env);
 * if (parsed.ok) parsed.value.tunings.maxBatchRows;
 */
export function parseStageSettings<S extends StageName>(
  stage: S,
  env: Environment,
): Parsed<StageSettings<S>> {
  const access = parseAccessSettings(STAGE_ACCESS[stage], env);
  const tunings = parseTunings<TuningName>(STAGE_TUNINGS[stage], env);
  const contract =
    stage === 'ingest'
      ? parseSchemaContract(SCHEMA_CONTRACT.env, env[SCHEMA_CONTRACT.env])
      : undefined;
  const deletes = stage === 'ingest' ? parseDeletesSettings(env) : undefined;
  const problems = [
    ...(access.ok ? [] : access.problems),
    ...(tunings.ok ? [] : tunings.problems),
    ...(typeof contract === 'string' ? [contract] : []),
    ...(deletes && !deletes.ok ? deletes.problems : []),
  ];
  if (problems.length > 0 || !access.ok || !tunings.ok || typeof contract === 'string') {
    return { ok: false, problems };
  }
  // The types of STAGE_ACCESS do not carry which resources each stage has; the parse above
  // found every one it names, and the settings test holds StageResources to it.
  const value: unknown = {
    ...access.value,
    tunings: tunings.value,
    schemaContract: contract,
    deletes: deletes?.ok ? deletes.value : undefined,
  };
  return { ok: true, value: value as StageSettings<S> };
}

/**
 * The deletes schedule and guard per table from `env`, read as `<prefix><env>`, each its default
 * when unset.
 *
 * @example
 * parseDeletesSettings({ DELIVERANCE_DELETES_GUARD_PERCENT: '5,payment=20' }, CLI_ENV_PREFIX);
 */
export function parseDeletesSettings(env: Environment, prefix = ''): Parsed<DeletesTableSettings> {
  const scheduleName = `${prefix}${DELETES_SCHEDULE.env}`;
  const guardName = `${prefix}${DELETES_GUARD_PERCENT.env}`;
  const schedule = parseDeletesSchedule(scheduleName, env[scheduleName]);
  const guardPercent = parseDeletesGuard(guardName, env[guardName]);
  const retiredName = `${prefix}${RETIRED_DELETES_INTERVAL.env}`;
  const retired =
    env[retiredName] === undefined
      ? undefined
      : `${retiredName} is no longer read: set ${scheduleName} instead (${RETIRED_DELETES_INTERVAL.instead})`;
  if (typeof schedule === 'string' || typeof guardPercent === 'string' || retired) {
    return {
      ok: false,
      problems: [schedule, guardPercent, retired].filter((p): p is string => typeof p === 'string'),
    };
  }
  return { ok: true, value: { schedule, guardPercent } };
}

/**
 * The variables `lib/` sets for a stage's tunings, and ingest's schema contract, deletes schedule
 * and deletes guard (their text as the context gave it), from the values its context chose.
 */
export function tuningEnvironment(
  stage: StageName,
  values: Partial<Tunings> & {
    readonly schemaContract?: string;
    readonly deletesSchedule?: string;
    readonly deletesGuardPercent?: string;
  },
): Record<string, string> {
  return {
    ...Object.fromEntries(
      STAGE_TUNINGS[stage].map((name: TuningName) => [
        TUNINGS[name].env,
        String(values[name] ?? TUNINGS[name].default),
      ]),
    ),
    ...(stage === 'ingest'
      ? {
          [SCHEMA_CONTRACT.env]: values.schemaContract ?? SCHEMA_CONTRACT.default.default,
          [DELETES_SCHEDULE.env]: values.deletesSchedule ?? DELETES_SCHEDULE.default.default,
          [DELETES_GUARD_PERCENT.env]:
            values.deletesGuardPercent ?? String(DELETES_GUARD_PERCENT.default.default),
        }
      : {}),
  };
}

/** One message listing every problem, for the error each edge raises. */
export function settingsProblemMessage(whose: string, problems: readonly string[]): string {
  return `Invalid settings of the ${whose}: ${problems.join('; ')}`;
}

/** The endpoint fields set for `role`; a port that is not a port is a problem. */
function endpointOf(role: DatabaseRole, env: Environment, problems: string[]): DatabaseEndpoint {
  const names = DATABASE_ENDPOINT_ENV[role];
  const [host, rawPort, database] = [env[names.host], env[names.port], env[names.database]];
  const port = rawPort ? Number(rawPort) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
    problems.push(`${names.port}: ${JSON.stringify(rawPort)} is not a port (1 to 65535)`);
  }
  return {
    ...(host ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(database ? { database } : {}),
  };
}
