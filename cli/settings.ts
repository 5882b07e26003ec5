import { resolve } from 'node:path';
import { DEFAULT_MAX_BATCH_ROWS } from '../contract/batch-bounds';

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

export function readSettings(env: NodeJS.ProcessEnv = process.env): CliSettings {
  const overlap = Number(env.DELIVERANCE_OVERLAP_SECONDS ?? '300');
  if (!Number.isFinite(overlap) || overlap < 0) {
    throw new UsageError(
      `DELIVERANCE_OVERLAP_SECONDS must be a non-negative number of seconds, not ${env.DELIVERANCE_OVERLAP_SECONDS}`,
    );
  }
  const cap = Number(env.DELIVERANCE_MAX_BATCH_ROWS ?? DEFAULT_MAX_BATCH_ROWS);
  if (!Number.isSafeInteger(cap) || cap < 1) {
    throw new UsageError(
      `DELIVERANCE_MAX_BATCH_ROWS must be a positive whole number of rows, not ${env.DELIVERANCE_MAX_BATCH_ROWS}`,
    );
  }
  return {
    sourceUrl: env.DELIVERANCE_SOURCE_URL || undefined,
    warehouseUrl: env.DELIVERANCE_WAREHOUSE_URL || undefined,
    stateDir: stateDirOf(env),
    s3Endpoint: env.DELIVERANCE_S3_ENDPOINT || undefined,
    overlapSeconds: overlap,
    maxBatchRows: cap,
  };
}
