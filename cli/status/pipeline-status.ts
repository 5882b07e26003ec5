import { pausedPlan } from '../../lambdas/ingest/paused-tables';
import type { PendingSchemaChange } from '../../lambdas/shared/core/schema-changes';
import { readWatermark, type Watermark } from '../../lambdas/ingest/window';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { PostgresLoadLog } from '../../lambdas/shared/adapters/postgres-load-log';
import { manifestKey } from '../../lambdas/shared/core/batch';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../lambdas/shared/core/catalogue';
import { DELETED_KEYS_REACH } from '../../contract/source-deletes';
import { mapWithConcurrency } from '../../lambdas/shared/core/concurrency';
import { parseProcessedManifest } from '../../lambdas/shared/core/manifest';
import { findBatchGaps, type BatchGap } from '../../lambdas/shared/core/reconcile';
import { readManifest } from '../../lambdas/shared/manifest-reader';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import {
  PIPELINE_STAGES,
  type FutureStamped,
  type PipelineStage,
  type RunRecord,
} from '../../lambdas/shared/ports/run-log';
import type { WatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import type {
  DeletesState,
  DeletesStateStore,
  HeldDeletes,
} from '../../lambdas/shared/ports/deletes-state-store';
import type { Pool } from 'pg';
import { olderParkedBatches } from './older-parked-batches';

/** A stage's state for one batch; `none` when an earlier stage never handed the batch on. */
export type StageState = 'success' | 'pending' | 'running' | 'error' | 'none';

export interface StageRun {
  readonly state: StageState;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly seconds: number | null;
  readonly rows: number | null;
  /** Rows the transform set aside (quarantine/rows/ in landing); absent when none. */
  readonly setAside?: number;
  readonly error: string | null;
}

export interface BatchRun {
  readonly batchId: string;
  /** Each stage's run that did the work: its first success, else its newest run. */
  readonly stages: Readonly<Record<PipelineStage, StageRun>>;
  /** Runs of a stage after the one that did the work (a forced replay), oldest first. */
  readonly replays: readonly (StageRun & { readonly stage: PipelineStage })[];
}

/** A table more than a batch behind, draining batch after batch. */
export interface BackfillStatus {
  /** The newest last_updated landed so far, and the end of the window being drained. */
  readonly after: string;
  readonly until: string;
  /** Rows of the window left after the newest batch, and the time they take at its rate. */
  readonly rowsBehind: number | null;
  /** `rowsBehind` is the source planner's estimate: the backfill is more than two batches from its end. */
  readonly rowsBehindEstimated: boolean;
  readonly secondsLeft: number | null;
}

export interface TableStatus {
  /** Read completely through this instant (null before the first complete window). */
  readonly watermark: string | null;
  readonly backfill: BackfillStatus | null;
  /** The newest batch that read this table. */
  readonly lastBatchId: string | null;
  /** The newest batch in which this table had rows, and how many. */
  readonly lastRowsBatchId: string | null;
  readonly lastRows: number | null;
  /**
   * The source time up to which the warehouse holds this table: the `completeUpTo` of the newest
   * loaded batch that read it, as the freshness alarm measures; and its age.
   */
  readonly completeUpTo: string | null;
  readonly freshnessSeconds: number | null;
  /** The newest last_updated of this table in a loaded batch, and its age: a quiet table ages. */
  readonly newestLoadedChange: string | null;
  readonly newestChangeAgeSeconds: number | null;
  /** `paused` by an operator, or `held` after a paused table; ingest leaves it until resumed. */
  readonly pause: 'paused' | 'held' | null;
  /**
   * `stopped` by a schema change the last ingest of it found (a dropped or retyped column, one
   * resized past what the warehouse holds, or a new or resized one under `freeze`), or `held`
   * after a stopped table; it resumes once they agree again.
   */
  readonly schema: 'stopped' | 'held' | null;
  /**
   * Rows stamped later than the source's clock as the newest successful ingest of this table
   * found them (no window reads them until their time comes); null when there were none.
   */
  readonly futureStamped: FutureStamped | null;
  /** Each stage's state for `lastBatchId`. */
  readonly stages: Readonly<Record<PipelineStage, StageState>>;
  /**
   * The newest loaded batch whose tombstones marked rows of this table deleted in the warehouse
   * table its keys reach (contract/source-deletes.ts), and how many; absent when none did.
   */
  readonly deletesApplied?: DeletesApplied;
  /**
   * The keys the deletes guard holds for an operator's `deliverance deletes --confirm`, how many
   * (at least), their share of the table and when; absent when none are held.
   */
  readonly deletesHeld?: HeldDeletes;
}

export interface DeletesApplied {
  readonly batchId: string;
  /** The warehouse table whose rows were marked, and how many rows (every fact version). */
  readonly table: string;
  readonly rows: number;
}

export interface StageFailure {
  readonly batchId: string;
  readonly stage: PipelineStage;
  readonly at: string;
  readonly error: string;
  /**
   * When a later run made it good, and that run's batch: the same stage of the same batch
   * succeeded (a retry, the catch-up, a replay), or for ingest, which retries under a new batch
   * id, a later batch's ingest did. Null while it stands.
   */
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

/** A batch parked at a stage for a missing object, until replayed or purged. */
export interface ParkedBatch {
  readonly batchId: string;
  readonly stage: PipelineStage;
  readonly bucket: string;
  readonly key: string;
  readonly at: string;
  readonly error: string;
}

export interface WarehouseStatus {
  readonly lastLoadedBatchId: string | null;
  readonly loadedAt: string | null;
  /** The newest loaded batch's `completeUpTo`, and its age: what the freshness alarm watches. */
  readonly completeUpTo: string | null;
  readonly freshnessSeconds: number | null;
  readonly newestSourceChange: string | null;
  readonly newestChangeAgeSeconds: number | null;
}

/** A dead-letter queue of a deployed stack and the messages it holds. */
export interface DeadLetterDepth {
  readonly name: string;
  readonly messages: number;
}

export interface AlarmStatus {
  readonly name: string;
  readonly state: string;
  readonly since: string | null;
  readonly reason: string | null;
  /** The value the alarm compares its metric with, e.g. the freshness alarm's seconds. */
  readonly threshold?: number;
}

export interface PipelineStatus {
  readonly generatedAt: string;
  readonly tables: Readonly<Record<string, TableStatus>>;
  readonly warehouse: WarehouseStatus;
  /** Newest first. */
  readonly runs: readonly BatchRun[];
  /** Failures other than parked batches, those resolved since included (marked). */
  readonly failures: readonly StageFailure[];
  readonly parked: readonly ParkedBatch[];
  readonly gaps: readonly BatchGap[];
  /** How source columns differ from the catalogue, as each table's last ingest found them. */
  readonly schemaChanges: readonly PendingSchemaChange[];
  /** A deployed stack's environment, queues and alarms; null for the local state folder. */
  readonly environment: string | null;
  readonly deadLetters: readonly DeadLetterDepth[] | null;
  readonly alarms: readonly AlarmStatus[] | null;
}

/** What the warehouse's own load log (etl.load_log) says, read in the warehouse. */
export interface LoadLogSummary {
  readonly lastLoadedBatchId: string | null;
  readonly loadedAt: string | null;
  readonly newestSourceChange: string | null;
  /** The logged batch ids from `oldestBatchId` on. */
  readonly loaded: readonly string[];
}

/**
 * Where status reads from: the run log in both buckets and the watermark store, locally and
 * deployed alike; the warehouse's load log where it can be reached (locally:
 * `localStatusSources`), the queues and alarms of a deployed stack (`cli/remote/remote-status.ts`).
 */
export interface StatusSources {
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly watermarks: WatermarkStore;
  /** The deletes reconciliation's state: what its guard holds. */
  readonly deletesState?: DeletesStateStore;
  /** Absent: the run log's load records stand in (a deployed warehouse sits in its VPC). */
  readonly loadLog?: { read(oldestBatchId: string | undefined): Promise<LoadLogSummary> };
  readonly deployment?: {
    readonly environment: string;
    deadLetters(): Promise<DeadLetterDepth[]>;
    alarms(): Promise<AlarmStatus[]>;
  };
}

export interface StatusOptions {
  /** Runs to list. @default 10 */
  readonly limit?: number;
  readonly now?: Date;
}

/** No Lambda runs longer: a record still `running` after this is a crash that left no word. */
const STALLED_AFTER_SECONDS = 15 * 60;

/** Batches read to find each table's last rows and freshness, beyond the runs listed. */
const TABLE_HISTORY_BATCHES = 30;

const seconds = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : null;

function stageRun(record: RunRecord | undefined, upstream: StageState | undefined): StageRun {
  if (!record) {
    const state = upstream === undefined || upstream === 'success' ? 'pending' : 'none';
    return { state, startedAt: null, finishedAt: null, seconds: null, rows: null, error: null };
  }
  const state: StageState =
    record.state === 'failure' ? 'error' : record.state === 'running' ? 'running' : 'success';
  return {
    state,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    seconds: seconds(record.startedAt, record.finishedAt),
    rows: record.state === 'success' ? record.tables.reduce((sum, t) => sum + t.rows, 0) : null,
    ...(record.setAside?.length
      ? { setAside: record.setAside.reduce((sum, t) => sum + t.rows, 0) }
      : {}),
    error: record.error,
  };
}

/** A stage's records for one batch: the newest, and every finished run (oldest first). */
interface StageHistory {
  readonly newest: RunRecord | undefined;
  readonly attempts: readonly RunRecord[];
}

/** The run that did a stage's work for a batch: its first success, else its newest record. */
function didTheWork(h: StageHistory): RunRecord | undefined {
  return h.attempts.find((a) => a.state === 'success') ?? h.newest;
}

/**
 * The run that made a failure good, derived when status reads the log: a later success of the
 * same stage for the same batch, or for ingest (which retries under a new batch id) the oldest
 * successful ingest of a later batch (`newer`: the batches after this one, newest first).
 */
function resolutionOf(
  failed: RunRecord,
  attempts: readonly RunRecord[],
  newer: readonly { readonly ingest: StageHistory }[],
): RunRecord | undefined {
  const later = attempts.find((a) => a.state === 'success' && a.startedAt > failed.startedAt);
  if (later || failed.stage !== 'ingest') return later;
  return newer
    .map((h) => didTheWork(h.ingest))
    .filter((r) => r?.state === 'success')
    .at(-1);
}

/**
 * What `deliverance status` shows, read from the run log (by key, after one small listing per
 * day), the watermark store and the warehouse's load log.
 *
 * @example
 * const status = await collectStatus(environment, { limit: 10 });
 * console.log(formatStatusText(status));
 */
export async function collectStatus(
  sources: StatusSources,
  options: StatusOptions = {},
): Promise<PipelineStatus> {
  const now = options.now ?? new Date();
  const limit = Math.max(1, options.limit ?? 10);
  const landingLog = new ObjectStoreRunLog(sources.landing);
  const processedLog = new ObjectStoreRunLog(sources.processed);
  const wanted = Math.max(limit, TABLE_HISTORY_BATCHES);
  const [landed, processed] = await Promise.all([
    landingLog.recentBatches(wanted, now),
    processedLog.recentBatches(wanted, now),
  ]);
  const batchIds = [...new Set([...landed, ...processed].map((b) => b.batchId))]
    .sort()
    .reverse()
    .slice(0, wanted);
  const rerun = new Map(
    [...landed, ...processed].map((b) => [b.batchId, b.rerun] as const).filter(([, r]) => r.length),
  );
  const stageHistory = async (batchId: string, stage: PipelineStage): Promise<StageHistory> => {
    const log = stage === 'ingest' ? landingLog : processedLog;
    const newest = await log.read(batchId, stage);
    // Only a stage run more than once needs its earlier records read.
    if (rerun.get(batchId)?.includes(stage)) {
      return { newest, attempts: await log.attempts(batchId, stage) };
    }
    return { newest, attempts: newest && newest.state !== 'running' ? [newest] : [] };
  };
  const history = await mapWithConcurrency(batchIds, 8, async (batchId) => {
    const [ingest, transform, load] = await Promise.all([
      stageHistory(batchId, 'ingest'),
      stageHistory(batchId, 'transform'),
      stageHistory(batchId, 'load'),
    ]);
    return { batchId, ingest, transform, load };
  });
  // Each stage's run that did the work: its first success, else its newest record.
  const records = history.map((h) => ({
    batchId: h.batchId,
    ingest: didTheWork(h.ingest),
    transform: didTheWork(h.transform),
    load: didTheWork(h.load),
  }));
  const runs: BatchRun[] = history.map((h, index) => {
    const { ingest, transform, load } = records[index] as (typeof records)[number];
    const i = stageRun(ingest, undefined);
    const t = stageRun(transform, i.state);
    const replays = PIPELINE_STAGES.flatMap((stage) => {
      const first = h[stage].attempts.find((a) => a.state === 'success');
      return h[stage].attempts
        .filter((a) => first !== undefined && a.startedAt > first.startedAt)
        .map((a) => ({ stage, ...stageRun(a, undefined) }));
    });
    return {
      batchId: h.batchId,
      stages: { ingest: i, transform: t, load: stageRun(load, t.state) },
      replays,
    };
  });

  const loadedRecords = records.filter((r) => r.load?.state === 'success').map((r) => r.batchId);
  const logged = await sources.loadLog?.read(batchIds.at(-1));
  const loaded = new Set([...(logged?.loaded ?? []), ...loadedRecords]);
  const [watermarks, paused, schemaChanges, deletes, deadLetters, alarms] = await Promise.all([
    Promise.all(SOURCE_TABLE_NAMES.map((t) => sources.watermarks.read(t))),
    sources.watermarks.paused(),
    sources.watermarks.schemaChanges(),
    sources.deletesState?.deletesState() ?? ({} as DeletesState),
    sources.deployment?.deadLetters() ?? null,
    sources.deployment?.alarms() ?? null,
  ]);
  const pause = pausedPlan(SOURCE_TABLE_NAMES, paused);
  const stop = pausedPlan(
    SOURCE_TABLE_NAMES,
    schemaChanges.filter((c) => c.stops).map((c) => c.table),
  );
  const completeUpTo = new Map<string, Promise<string | null>>();
  const completeUpToOf = (batchId: string | undefined) => {
    if (batchId === undefined) return Promise.resolve(null);
    if (!completeUpTo.has(batchId)) {
      completeUpTo.set(
        batchId,
        readManifest(sources.processed, manifestKey(batchId), parseProcessedManifest).then(
          (m) => m.completeUpTo,
          () => null,
        ),
      );
    }
    return completeUpTo.get(batchId) as Promise<string | null>;
  };

  const tables: Record<string, TableStatus> = {};
  const nowText = now.toISOString();
  for (const [index, table] of SOURCE_TABLE_NAMES.entries()) {
    const read = (r: (typeof records)[number]) =>
      r.ingest?.state !== 'success' || r.ingest.tables.some((t) => t.table === table);
    const rowsOf = (r: (typeof records)[number]) =>
      r.ingest?.state === 'success' ? r.ingest.tables.find((t) => t.table === table) : undefined;
    const lastIndex = records.findIndex(read);
    const lastRead = records.find((r) => rowsOf(r) !== undefined);
    const withRows = records.find((r) => (rowsOf(r)?.rows ?? 0) > 0);
    const newestLoaded =
      records
        .filter((r) => loaded.has(r.batchId))
        .map((r) => rowsOf(r)?.newest)
        .filter((n): n is string => typeof n === 'string')
        .sort()
        .at(-1) ?? null;
    const last = runs[lastIndex];
    const complete = await completeUpToOf(
      records.find((r) => loaded.has(r.batchId) && rowsOf(r) !== undefined)?.batchId,
    );
    const stored = watermarks[index];
    const mark = stored === undefined ? undefined : readWatermark(stored);
    const deletesApplied = deletesAppliedOf(table, records);
    tables[table] = {
      watermark: mark ? (mark.through ?? null) : (stored ?? null),
      backfill:
        mark?.kind === 'backfill'
          ? backfillOf(
              mark,
              records.map((r) => r.ingest),
              table,
            )
          : null,
      lastBatchId: last?.batchId ?? null,
      lastRowsBatchId: withRows?.batchId ?? null,
      lastRows: withRows ? (rowsOf(withRows)?.rows ?? null) : null,
      completeUpTo: complete,
      freshnessSeconds: seconds(complete, nowText),
      newestLoadedChange: newestLoaded,
      newestChangeAgeSeconds: seconds(newestLoaded, nowText),
      pause: pause.paused.includes(table) ? 'paused' : pause.held.includes(table) ? 'held' : null,
      schema: stop.paused.includes(table) ? 'stopped' : stop.held.includes(table) ? 'held' : null,
      futureStamped: lastRead?.ingest?.futureStamped?.find((f) => f.table === table) ?? null,
      stages: {
        ingest: last?.stages.ingest.state ?? 'none',
        transform: last?.stages.transform.state ?? 'none',
        load: last?.stages.load.state ?? 'none',
      },
      ...(deletesApplied ? { deletesApplied } : {}),
      ...(deletes[table]?.held ? { deletesHeld: deletes[table]?.held } : {}),
    };
  }

  const failures: StageFailure[] = [];
  const parked: ParkedBatch[] = [];
  const parkedIds = new Set<string>();
  for (const [index, h] of history.entries()) {
    for (const stage of PIPELINE_STAGES) {
      const r = h[stage].newest;
      if (r?.state === 'failure' && r.missing) {
        // Given up by an operator: an explained hole, listed no more.
        parkedIds.add(h.batchId);
        if (!r.purged) {
          parked.push({
            batchId: h.batchId,
            stage,
            ...r.missing,
            at: r.finishedAt ?? r.startedAt,
            error: r.error ?? '(no message)',
          });
        }
      } else if (
        r?.state === 'running' &&
        (seconds(r.startedAt, now.toISOString()) ?? 0) > STALLED_AFTER_SECONDS
      ) {
        failures.push({
          batchId: h.batchId,
          stage,
          at: r.startedAt,
          error: `still "running" ${Math.round((seconds(r.startedAt, now.toISOString()) ?? 0) / 60)} minutes after it started: the run died without a word (timeout or out of memory?); see the function's logs for the batch id`,
          resolvedAt: null,
          resolvedBy: null,
        });
      }
      for (const failed of h[stage].attempts) {
        // The newest record parked: listed with the parked batches instead.
        if (failed.state !== 'failure' || (failed.missing && failed.startedAt === r?.startedAt)) {
          continue;
        }
        const resolved = resolutionOf(failed, h[stage].attempts, history.slice(0, index));
        failures.push({
          batchId: h.batchId,
          stage,
          at: failed.finishedAt ?? failed.startedAt,
          error: failed.error ?? '(no message)',
          resolvedAt: resolved?.finishedAt ?? null,
          resolvedBy: resolved?.batchId ?? null,
        });
      }
    }
  }

  parked.push(...(await olderParkedBatches(sources, batchIds)));

  const gaps = findBatchGaps({
    landed: records.filter((r) => r.ingest?.state === 'success').map((r) => r.batchId),
    transformed: records.filter((r) => r.transform?.state === 'success').map((r) => r.batchId),
    loaded: [...loaded],
    parked: parkedIds,
  });

  const newestRecord = records.find((r) => r.load?.state === 'success');
  const lastLoadedBatchId = logged ? logged.lastLoadedBatchId : (newestRecord?.batchId ?? null);
  const newestSourceChange = logged
    ? logged.newestSourceChange
    : (Object.values(tables)
        .map((t) => t.newestLoadedChange)
        .filter((c): c is string => c !== null)
        .sort()
        .at(-1) ?? null);
  const warehouseComplete = await completeUpToOf(lastLoadedBatchId ?? undefined);
  return {
    generatedAt: nowText,
    tables,
    warehouse: {
      lastLoadedBatchId,
      loadedAt: logged ? logged.loadedAt : (newestRecord?.load?.finishedAt ?? null),
      completeUpTo: warehouseComplete,
      freshnessSeconds: seconds(warehouseComplete, nowText),
      newestSourceChange,
      newestChangeAgeSeconds: seconds(newestSourceChange, nowText),
    },
    runs: runs.slice(0, limit),
    failures,
    parked,
    gaps,
    schemaChanges,
    environment: sources.deployment?.environment ?? null,
    deadLetters,
    alarms,
  };
}

/**
 * The warehouse's load log, for status on the local state folder (or wherever
 * `DELIVERANCE_WAREHOUSE_URL` points).
 */
export async function readLoadLog(
  warehouse: Pool,
  oldestBatchId: string | undefined,
): Promise<LoadLogSummary> {
  const log = new PostgresLoadLog(warehouse);
  if (!(await log.exists())) {
    return { lastLoadedBatchId: null, loadedAt: null, newestSourceChange: null, loaded: [] };
  }
  const latest = await log.latest();
  return {
    lastLoadedBatchId: latest?.batchId ?? null,
    loadedAt: latest?.loadedAt ?? null,
    newestSourceChange: latest?.newestSourceChange ?? null,
    loaded: oldestBatchId ? await log.loadedSince(oldestBatchId) : [],
  };
}

/** The local form of the sources: the state folder's stores and the warehouse's load log. */
export function localStatusSources(context: {
  readonly landing: ObjectStore;
  readonly processed: ObjectStore;
  readonly watermarks: WatermarkStore;
  readonly deletesState?: DeletesStateStore;
  readonly warehouse: Pool;
}): StatusSources {
  return {
    landing: context.landing,
    processed: context.processed,
    watermarks: context.watermarks,
    ...(context.deletesState ? { deletesState: context.deletesState } : {}),
    loadLog: { read: (oldest) => readLoadLog(context.warehouse, oldest) },
  };
}

/**
 * A backfill as the newest ingest that capped the table saw it: the rows it left, and how long
 * they take at the rows per second that run landed (all its tables together, so an upper bound).
 */
function backfillOf(
  mark: Extract<Watermark, { kind: 'backfill' }>,
  ingests: readonly (RunRecord | undefined)[],
  table: string,
): BackfillStatus {
  const capped = ingests.find(
    (r) =>
      r?.state === 'success' &&
      r.tables.some((t) => t.table === table && t.remaining !== undefined),
  );
  const entry = capped?.tables.find((t) => t.table === table);
  const rowsBehind = entry?.remaining ?? null;
  const took = capped ? seconds(capped.startedAt, capped.finishedAt) : null;
  const landed = capped?.tables.reduce((sum, t) => sum + t.rows, 0) ?? 0;
  const secondsLeft =
    rowsBehind !== null && took !== null && landed > 0 ? (rowsBehind * took) / landed : null;
  return {
    after: mark.after.lastUpdated,
    until: mark.until,
    rowsBehind,
    rowsBehindEstimated: entry?.remainingEstimated ?? false,
    secondsLeft,
  };
}

/**
 * A table's read position in words: its watermark, or a backfill's rows behind and time left.
 *
 * @example
 * watermarkText(table); // 'paused, 2024-…Z' or 'backfill: 120,000 rows behind, about 4 min left (landed up to 2024-…Z)'
 */
export function watermarkText(table: TableStatus): string {
  const paused =
    table.pause === 'paused'
      ? 'paused, '
      : table.pause === 'held'
        ? 'held after a paused table, '
        : '';
  return `${paused}${positionText(table)}`;
}

function positionText(table: TableStatus): string {
  const b = table.backfill;
  if (!b) return table.watermark ?? '(none yet)';
  const behind =
    b.rowsBehind === null
      ? 'rows behind unknown'
      : `${b.rowsBehindEstimated ? 'about ' : ''}${b.rowsBehind.toLocaleString('en-GB')} rows behind`;
  const left =
    b.secondsLeft === null ? '' : `, about ${Math.max(1, Math.ceil(b.secondsLeft / 60))} min left`;
  return `backfill: ${behind}${left} (landed up to ${b.after})`;
}

/** The newest load record (records run newest first) that marked rows of `table`'s keys deleted. */
function deletesAppliedOf(
  table: SourceTableName,
  records: readonly { batchId: string; load: RunRecord | undefined }[],
): DeletesApplied | undefined {
  const reached = DELETED_KEYS_REACH[table]?.table;
  if (!reached) return undefined;
  for (const r of records) {
    if (r.load?.state !== 'success') continue;
    const rows = r.load.tables.find((t) => t.table === reached)?.deleted ?? 0;
    if (rows > 0) return { batchId: r.batchId, table: reached, rows };
  }
  return undefined;
}
