import { STAGES, type StageName } from '../../../contract/stages';
import type { ErrorKind } from '../core/pipeline-error';

/**
 * The run log: what each stage did for each batch, written as it happens so a crash leaves
 * evidence. `queued` is never written: it is read off a manifest that has no record after it.
 */
export type PipelineStage = StageName;

export const PIPELINE_STAGES: readonly PipelineStage[] = STAGES;

export type RunState = 'running' | 'success' | 'failure';

/** What one stage did with one table: source tables for ingest, warehouse tables after. */
export interface TableRun {
  readonly table: string;
  readonly rows: number;
  readonly bytes?: number;
  /** Load: rows inserted or changed (the rest were already there). */
  readonly written?: number;
  /** Load: rows the batch's tombstones marked deleted (source_deleted_at). */
  readonly deleted?: number;
  /** Ingest: the newest last_updated read, for per-table freshness. */
  readonly newest?: string | null;
  /** Ingest of a capped table: rows of its window left for later batches. */
  readonly remaining?: number;
  /** `remaining` is the source planner's estimate, not a count. */
  readonly remainingEstimated?: boolean;
}

/** Rows of a source table a transform set aside, and where they are kept (landing bucket). */
export interface SetAsideRun {
  readonly table: string;
  readonly rows: number;
  readonly quarantineKey: string;
}

/** Ingest: a table's rows stamped later than the source's clock, which no window reads yet. */
export interface FutureStamped {
  readonly table: string;
  /** How many there are. */
  readonly rows: number;
  /** The first few, by stamp: their primary key and stamp. */
  readonly keys: readonly { readonly key: number; readonly lastUpdated: string }[];
}

export interface RunRecord {
  readonly batchId: string;
  readonly stage: PipelineStage;
  readonly state: RunState;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly tables: readonly TableRun[];
  /** Transform: rows set aside for a value the warehouse cannot hold, per source table. */
  readonly setAside?: readonly SetAsideRun[];
  /** The error's message when the state is `failure`. */
  readonly error: string | null;
  /** With a failure: whether a retry can help (absent in records of earlier releases). */
  readonly errorKind?: ErrorKind;
  /** True when the stage found the batch already done and wrote nothing. */
  readonly skipped?: boolean;
  /** With a failure: the batch is parked, waiting for this object (parked-batch.ts). */
  readonly missing?: { readonly bucket: string; readonly key: string };
  /** A parked batch an operator gave up (`replay --purge`), and when. */
  readonly purged?: string;
  /** Ingest: the tables with rows stamped past the source's clock (absent: none). */
  readonly futureStamped?: readonly FutureStamped[];
}

export interface RunLog {
  write(record: RunRecord): Promise<void>;
  read(batchId: string, stage: PipelineStage): Promise<RunRecord | undefined>;
  /**
   * The batch ids with a record in this log, newest first, at least `atLeast` of them when the
   * log holds that many within `lookBackDays` of `now`.
   */
  recentBatchIds(atLeast: number, now: Date, lookBackDays?: number): Promise<string[]>;
}
