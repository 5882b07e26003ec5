import type { LandingManifest, ProcessedManifest } from './core/manifest';
import { errorKind } from './core/pipeline-error';
import { ParkedBatchError } from './parked-batch';
import type {
  FutureStamped,
  PipelineStage,
  RunLog,
  RunRecord,
  SetAsideRun,
  TableRun,
} from './ports/run-log';
import type { StageLogger } from './ports/stage-logger';

export interface StageRunOptions<T> {
  readonly runLog: RunLog;
  readonly logger: StageLogger;
  /**
   * The batch the run is for. Undefined when the event's key names no batch: there is nothing to
   * record under, and the stage itself refuses the key.
   */
  readonly batchId: string | undefined;
  readonly stage: PipelineStage;
  /** Per-table rows (and bytes) of a finished run, for its success record. */
  readonly tablesOf: (result: T) => readonly TableRun[];
  /** Rows the run set aside, per source table (transform). */
  readonly setAsideOf?: (result: T) => readonly SetAsideRun[];
  /** True when the stage found the batch already done and wrote nothing. */
  readonly skippedOf?: (result: T) => boolean;
  /** Ingest: the tables with rows stamped past the source's clock, for the success record. */
  readonly futureStampedOf?: (result: T) => readonly FutureStamped[];
  readonly clock?: () => Date;
}

/**
 * Runs one stage for one batch between a `running` record and a `success` or `failure` one,
 * then returns its result or rethrows its error unchanged. The records are evidence, not the
 * pipeline's state: a record that cannot be written is logged and never fails the stage.
 *
 * @example
 * const result = await recordStageRun(
 *   { runLog, logger, batchId, stage: 'load', tablesOf: (r) => r.tables.map(...) },
 *   () => runLoad(options),
 * );
 */
export async function recordStageRun<T>(
  options: StageRunOptions<T>,
  work: () => Promise<T>,
): Promise<T> {
  const { runLog, logger, batchId, stage } = options;
  if (batchId === undefined) return work();
  const clock = options.clock ?? (() => new Date());
  const write = async (record: RunRecord) => {
    try {
      await runLog.write(record);
    } catch (error) {
      logger.warn('Could not write the run record: status will not show this run', {
        batchId,
        stage,
        state: record.state,
        reason: (error as Error).message,
      });
    }
  };
  // A replay that finds its batch done must not overwrite the record of the run that did it.
  const previous =
    stage === 'ingest' ? undefined : await runLog.read(batchId, stage).catch(() => undefined);
  const startedAt = clock().toISOString();
  const base = { batchId, stage, startedAt };
  await write({ ...base, state: 'running', finishedAt: null, tables: [], error: null });
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await write({
      ...base,
      state: 'failure',
      finishedAt: clock().toISOString(),
      tables: [],
      error: error instanceof Error ? error.message : String(error),
      errorKind: errorKind(error),
      ...(error instanceof ParkedBatchError ? { missing: error.missing } : {}),
    });
    throw error;
  }
  const skipped = options.skippedOf?.(result) ?? false;
  const futureStamped = options.futureStampedOf?.(result) ?? [];
  if (skipped && previous?.state === 'success') {
    await write(previous);
  } else {
    const setAside = options.setAsideOf?.(result) ?? [];
    await write({
      ...base,
      state: 'success',
      finishedAt: clock().toISOString(),
      tables: options.tablesOf(result),
      ...(setAside.length > 0 ? { setAside } : {}),
      error: null,
      ...(skipped ? { skipped } : {}),
      ...(futureStamped.length > 0 ? { futureStamped } : {}),
    });
  }
  return result;
}

/** Ingest's per-table record: rows, bytes and newest change of each landed table. */
export function landedTables(manifest: LandingManifest): TableRun[] {
  return manifest.tables.map((t) => ({
    table: t.table,
    rows: t.rows,
    bytes: t.bytes,
    newest: t.newest,
    ...(t.remaining === undefined ? {} : { remaining: t.remaining }),
    ...(t.remainingEstimated === undefined ? {} : { remainingEstimated: t.remainingEstimated }),
  }));
}

/** Transform's per-table record: rows of each warehouse table written. */
export function processedTables(manifest: ProcessedManifest | undefined): TableRun[] {
  return (manifest?.tables ?? []).map((t) => ({ table: t.table, rows: t.rows }));
}

/** Transform's rows set aside per source table, and where each table's are kept. */
export function setAsideRows(manifest: ProcessedManifest | undefined): SetAsideRun[] {
  return (manifest?.quarantinedRows ?? []).map(({ table, rows, quarantineKey }) => ({
    table,
    rows,
    quarantineKey,
  }));
}

/** Load's per-table record: rows staged, written and marked deleted of each warehouse table. */
export function loadedTables(
  tables: readonly { table: string; staged: number; written: number; deleted?: number }[],
): TableRun[] {
  return tables.map((t) => ({
    table: t.table,
    rows: t.staged,
    written: t.written,
    ...(t.deleted === undefined ? {} : { deleted: t.deleted }),
  }));
}
