import { resolve } from 'node:path';
import {
  CLI_ENV_PREFIX,
  parseDeletesSettings,
  parseSchemaContract,
  parseTunings,
  SCHEMA_CONTRACT,
  type PerTable,
  type SchemaContract,
} from '../contract/settings';

/** The command line's settings, from the environment DESIGN.md names. */
export interface CliSettings {
  /** Unset: the embedded PostgreSQL under the state folder holds totesys. */
  readonly sourceUrl: string | undefined;
  /** Unset: the embedded PostgreSQL under the state folder holds the warehouse. */
  readonly warehouseUrl: string | undefined;
  readonly stateDir: string;
  /** Unset: an S3-compatible server is started on the state folder. */
  readonly s3Endpoint: string | undefined;
  readonly overlapSeconds: number;
  /** Rows per source table per batch; a bigger backlog drains over several batches. */
  readonly maxBatchRows: number;
  /** What ingest does at a new source column, per table (DELIVERANCE_SCHEMA_CONTRACT). */
  readonly schemaContract: SchemaContract;
  /**
   * The deletes reconciliation's schedule and guard per table (DELIVERANCE_DELETES_SCHEDULE,
   * DELIVERANCE_DELETES_GUARD_PERCENT) and its tombstones per run (contract/settings.ts).
   */
  readonly deletesSchedule: PerTable<string>;
  readonly maxDeletesPerRun: number;
  readonly deletesGuardPercent: PerTable<number>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The state folder the environment names (DELIVERANCE_STATE_DIR, default .deliverance). */
export function stateDirOf(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.DELIVERANCE_STATE_DIR || '.deliverance');
}

/**
 * The settings from the environment; the tunings are the functions' own (contract/settings.ts),
 * prefixed `DELIVERANCE_`, with their defaults and bounds.
 *
 * @throws {UsageError} naming every invalid setting at once
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): CliSettings {
  const tunings = parseTunings(
    ['overlapSeconds', 'maxBatchRows', 'maxDeletesPerRun'],
    env,
    CLI_ENV_PREFIX,
  );
  const contractName = `${CLI_ENV_PREFIX}${SCHEMA_CONTRACT.env}`;
  const schemaContract = parseSchemaContract(contractName, env[contractName]);
  const deletes = parseDeletesSettings(env, CLI_ENV_PREFIX);
  const problems = [
    ...(tunings.ok ? [] : tunings.problems),
    ...(typeof schemaContract === 'string' ? [schemaContract] : []),
    ...(deletes.ok ? [] : deletes.problems),
  ];
  if (!tunings.ok || typeof schemaContract === 'string' || !deletes.ok) {
    throw new UsageError(problems.join('; '));
  }
  return {
    sourceUrl: env.DELIVERANCE_SOURCE_URL || undefined,
    warehouseUrl: env.DELIVERANCE_WAREHOUSE_URL || undefined,
    stateDir: stateDirOf(env),
    s3Endpoint: env.DELIVERANCE_S3_ENDPOINT || undefined,
    ...tunings.value,
    schemaContract,
    deletesSchedule: deletes.value.schedule,
    deletesGuardPercent: deletes.value.guardPercent,
  };
}
