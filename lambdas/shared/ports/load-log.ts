/**
 * The load log: the batches the warehouse holds, written in the same transaction as the batch's
 * rows, so a batch is logged exactly when it is loaded. The load reads it to skip a batch already
 * loaded, the catch-up and the gap check to find the batches still owed, `status` to report.
 */
export interface LoadLog {
  /** True when the warehouse has a load log at all (a warehouse never migrated has none). */
  exists(): Promise<boolean>;
  /** True when `batchId` is logged as loaded. */
  has(batchId: string): Promise<boolean>;
  /** Logs `entry`'s batch as loaded now, or brings its entry up to date (a forced reload). */
  record(entry: LoadLogEntry): Promise<void>;
  /** The batch ids logged from `from` on (a batch id, or a day `YYYYMMDD`: ids sort by time). */
  loadedSince(from: string): Promise<string[]>;
  /** The batch ids logged on one day, `YYYYMMDD`. */
  loadedOn(day: string): Promise<string[]>;
  /** The newest batch logged, with when, and the newest source change of any logged batch. */
  latest(): Promise<LatestLoad | undefined>;
}

export interface LoadLogEntry {
  readonly batchId: string;
  /** Rows staged and written per warehouse table, and rows its tombstones marked deleted. */
  readonly tables: readonly { table: string; staged: number; written: number; deleted?: number }[];
  readonly newestSourceChange: string | null;
}

export interface LatestLoad {
  readonly batchId: string;
  /** ISO 8601, UTC, milliseconds. */
  readonly loadedAt: string;
  /** ISO 8601, UTC, microseconds; null when no logged batch changed anything. */
  readonly newestSourceChange: string | null;
}
