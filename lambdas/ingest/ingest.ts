import type { SchemaContract } from '../../contract/settings';
import { landingKey, manifestKey, newBatchId } from '../shared/core/batch';
import {
  SOURCE_TABLE_NAMES,
  SOURCE_TABLES,
  type SourceTable,
  type SourceTableName,
} from '../shared/core/catalogue';
import { mapWithConcurrency } from '../shared/core/concurrency';
import type { LandedTable, LandingManifest } from '../shared/core/manifest';
import { recordedChange } from '../shared/core/schema-changes';
import type { ObjectStore } from '../shared/ports/object-store';
import type { SourceDatabase } from '../shared/ports/source-database';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { WatermarkStore } from '../shared/ports/watermark-store';
import {
  reconcileDeletes,
  type DeletesOptions,
  type DeletesOutcome,
} from './deletes/reconcile-deletes';
import { extractTable, type ExtractResult } from './extract';
import { futureBound, type FutureStamped } from './future-stamped';
import { pausedPlan } from './paused-tables';
import { applySchemaContract, type SchemaOutcome } from './schema-policy';
import type { SourceReading } from './source-clock';
import { removeUnfinishedAttempts, type RemovedAttempts } from './unfinished-attempts';
import {
  extractWindow,
  nextWatermark,
  WatermarkError,
  type ExtractWindow,
  type SourceClock,
} from './window';
import {
  rebaseWatermark,
  zoneOffsetsAfter,
  zoneStepBack,
  zoneStepText,
  type ZoneOffsets,
  type ZoneStepBack,
} from './zone-step';

export interface IngestOptions {
  /** PostgreSQL's: `PostgresSource` (postgres-source.ts). */
  readonly source: SourceDatabase;
  readonly landing: ObjectStore;
  readonly watermarks: WatermarkStore;
  readonly logger: StageLogger;
  /** Seconds re-read behind each watermark for late commits. */
  readonly overlapSeconds: number;
  /** The tables to read this run; all of them by default. */
  readonly tables?: readonly SourceTableName[];
  /** Tables read at once without maxBatchRows (4 by default); capped batches read one at a time. */
  readonly concurrency?: number;
  /** At most this many rows per landing object (default DEFAULT_PART_ROWS in extract.ts). */
  readonly partRows?: number;
  /**
   * At most this many rows per table in this batch, the first in (last_updated, key) order; a
   * table with more goes on in later batches (docs/guarantees.md §2). Unbounded by default.
   */
  readonly maxBatchRows?: number;
  readonly clock?: () => Date;
  /** The batch id to land under; a new one by default. Lets the caller log and record it first. */
  readonly batchId?: string;
  /**
   * Rows stamped more than this past the source's clock are reported as future-stamped
   * (default DEFAULT_FUTURE_TOLERANCE_SECONDS in contract/batch-bounds.ts).
   */
  readonly futureToleranceSeconds?: number;
  /** What a table does at a new source column (contract/settings.ts); evolve by default. */
  readonly schemaContract?: SchemaContract;
  /**
   * The deletes reconciliation of the tables this batch reads, when due (docs/guarantees.md,
   * "Deletes"); none without.
   */
  readonly deletes?: DeletesOptions;
}

export interface IngestResult {
  readonly batchId: string;
  readonly manifestKey: string;
  readonly manifest: LandingManifest;
  /** What earlier attempts that never wrote their manifest had left, removed first. */
  readonly removed: RemovedAttempts;
  /**
   * False when a table was capped at maxBatchRows, or finished a backfill whose window ends
   * before this run's clock: the next batch can start at once.
   */
  readonly caughtUp: boolean;
  /**
   * Per table, rows stamped past the source's clock plus the tolerance: no window reads them
   * until the clock reaches their stamp (docs/guarantees.md §2). Tables with none are left out.
   */
  readonly futureStamped: readonly FutureStamped[];
  /**
   * The source's TimeZone stepped back since some tables were last read: their windows were
   * moved back by the step, so nothing is skipped, and an operator is told (zone-step.ts).
   */
  readonly zoneStepBack?: ZoneStepBack;
  /** Tables a schema change stopped, and those held after them (schema-policy.ts). */
  readonly schema: Pick<SchemaOutcome, 'stopped' | 'held' | 'changes'>;
  /** The deletes reconciliation of this run, when ingest was given one. */
  readonly deletes?: Omit<DeletesOutcome, 'landed' | 'state'>;
}

/**
 * One ingest run: every table's window to landing, then the batch manifest, then — only
 * once the manifest is safely written — the watermarks. A crash anywhere before the last
 * step leaves the watermarks where they were, so the next run reads the same rows again,
 * and first removes the table objects the crashed attempt left.
 */
export async function runIngest(options: IngestOptions): Promise<IngestResult> {
  const now = options.clock ?? (() => new Date());
  const startedAt = now();
  const batchId = options.batchId ?? newBatchId(startedAt);
  const log = options.logger;
  const pause = pausedPlan(options.tables ?? SOURCE_TABLE_NAMES, await options.watermarks.paused());
  if (pause.paused.length > 0) {
    log.info('Tables paused by an operator, and the tables after them, are left for later', {
      batchId,
      paused: pause.paused,
      held: pause.held,
    });
  }
  const checked = pause.read.map((name) => SOURCE_TABLES[name]);
  const removed = await removeUnfinishedAttempts(options.landing, batchId, log);

  const source = options.source;
  const live = await source.liveColumns(checked);
  const schema = await applySchemaContract(
    live,
    checked,
    options.schemaContract,
    options.watermarks,
    log,
    { batchId, now: startedAt.toISOString() },
  );
  const tables = schema.read;
  const clock = await source.readClock(live.precision, log);
  const futureStamped = await source.futureStamped(
    tables,
    futureBound(clock, options.futureToleranceSeconds),
  );
  for (const future of futureStamped) {
    log.warn(
      "Rows stamped later than the source's clock: no window reads them until their time comes",
      {
        batchId,
        table: future.table,
        rows: future.rows,
        keys: future.keys,
        sourceClock: clock.now,
      },
    );
  }
  const offsets = await options.watermarks.zoneOffsets();
  const step = zoneStepBack(
    offsets,
    clock.zone,
    tables.map((t) => t.name),
  );
  if (step) log.warn(zoneStepText(step), { batchId, ...step });
  // Every table's window before any is read: a refused watermark fails the run having landed
  // nothing, and the error names every table at fault.
  const windows = await windowsOf(tables, options.watermarks, clock, options.overlapSeconds, step);
  const cap = options.maxBatchRows;
  const extractOne = async (table: SourceTable): Promise<LandedWindow> => {
    const { previous, window } = windows.get(table.name) as TableWindow;
    const result = await extractTable(
      source,
      options.landing,
      table,
      window,
      landingKey(table.name, batchId),
      (live.drift.get(table.name)?.extra.length ?? 0) > 0,
      {
        partRows: options.partRows,
        partKey: (part) => landingKey(table.name, batchId, part),
        maxRows: cap,
      },
    );
    const read = result.window;
    log.info('Extracted table', {
      batchId,
      table: table.name,
      rows: result.rows,
      bytes: result.bytes,
      // While it is open, VACUUM on the source cannot clear what changed since it began.
      transactionSeconds: Number(result.transactionSeconds.toFixed(3)),
      ...(read.upTo ? { capped: true, ...rowsLeftOf(result) } : {}),
    });
    const entry: LandedTable = {
      table: table.name,
      keys: result.keys,
      rows: result.rows,
      bytes: result.bytes,
      from: read.from ?? null,
      to: read.to,
      newest: result.newest,
      ...(read.after ? { after: read.after } : {}),
      ...(read.upTo ? { upTo: read.upTo, ...rowsLeftOf(result) } : {}),
    };
    return { entry, watermark: nextWatermark(previous, read) };
  };
  const plan: BatchPlan =
    cap === undefined
      ? {
          landed: await mapWithConcurrency(tables, options.concurrency ?? 4, extractOne),
          capped: [],
          held: [],
        }
      : await extractInOrder(tables, extractOne);
  if (plan.held.length > 0) {
    log.info('Tables held until the tables they refer to are caught up', {
      batchId,
      capped: plan.capped,
      held: plan.held,
    });
  }
  const { landed } = plan;

  // After every table's rows were read: a tombstone is never older than a row of its batch.
  const deletes = options.deletes
    ? await reconcileDeletes(
        source,
        options.landing,
        batchId,
        landed.map(({ entry }) => entry.table),
        options.deletes,
        now(),
        log,
      )
    : undefined;
  const manifest: LandingManifest = {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    tables: landed.map(({ entry }) => {
      const tombstones = deletes?.landed.get(entry.table);
      return tombstones ? { ...entry, deletes: tombstones } : entry;
    }),
    ...(schema.changes.length > 0 ? { schemaChanges: schema.changes.map(recordedChange) } : {}),
  };
  const key = manifestKey(batchId);
  await options.landing.put(key, JSON.stringify(manifest, null, 2), 'application/json');
  log.info('Wrote landing manifest', { batchId, key });

  for (const { entry, watermark } of landed) {
    await options.watermarks.write(entry.table, watermark);
  }
  // After the watermarks: a crash between leaves the old offsets, and the next run moves the
  // new watermarks back again, re-reading more (safe) rather than less.
  await recordZone(
    options.watermarks,
    offsets,
    clock,
    landed.map((l) => l.entry.table),
  );
  if (deletes) await options.deletes?.state.setDeletesState(deletes.state);
  // A batch that finished a backfill read its window as of the backfill's start: what changed
  // since is for the next batch, so that one follows at once too.
  const caughtUp =
    plan.capped.length === 0 &&
    landed.every(
      ({ entry }) => (windows.get(entry.table) as TableWindow).window.after === undefined,
    );
  return {
    batchId,
    manifestKey: key,
    manifest,
    removed,
    caughtUp,
    futureStamped,
    ...(step ? { zoneStepBack: step } : {}),
    schema: { stopped: schema.stopped, held: schema.held, changes: schema.changes },
    ...(deletes ? { deletes: { tables: deletes.tables, heldKeys: deletes.heldKeys } } : {}),
  };
}

async function recordZone(
  watermarks: WatermarkStore,
  recorded: ZoneOffsets,
  clock: SourceReading,
  tables: readonly string[],
): Promise<void> {
  const offsets = zoneOffsetsAfter(recorded, clock.zone, tables);
  if (offsets) await watermarks.setZoneOffsets(offsets);
}

interface TableWindow {
  readonly previous: string | undefined;
  readonly window: ExtractWindow;
}

async function windowsOf(
  tables: readonly SourceTable[],
  watermarks: WatermarkStore,
  clock: SourceClock,
  overlapSeconds: number,
  step: ZoneStepBack | undefined,
): Promise<Map<string, TableWindow>> {
  const windows = new Map<string, TableWindow>();
  const refused: WatermarkError[] = [];
  for (const table of tables) {
    const stored = await watermarks.read(table.name);
    // A watermark read before the zone stepped back, in the zone's wall-clock time now.
    const stepSeconds = step?.tables[table.name];
    const previous =
      stored === undefined || stepSeconds === undefined
        ? stored
        : rebaseWatermark(stored, stepSeconds);
    try {
      const window = extractWindow(
        table.name,
        previous,
        clock,
        overlapSeconds,
        watermarks.locate(table.name),
      );
      windows.set(table.name, { previous, window });
    } catch (error) {
      if (!(error instanceof WatermarkError)) throw error;
      refused.push(error);
    }
  }
  const [first, ...others] = refused;
  if (first) {
    throw others.length === 0
      ? first
      : new WatermarkError(
          first.table,
          `${refused.length} watermarks are refused: ${refused.map((e) => e.message).join(' | ')}`,
        );
  }
  return windows;
}

interface LandedWindow {
  readonly entry: LandedTable;
  readonly watermark: string;
}

interface BatchPlan {
  /** The tables read in this batch, in the order they were planned. */
  readonly landed: readonly LandedWindow[];
  /** Read tables whose window holds more than the cap: they land the cap and go on later. */
  readonly capped: readonly SourceTableName[];
  /** Tables after a capped one, left for a later batch with their watermarks unmoved. */
  readonly held: readonly SourceTableName[];
}

/**
 * Reads the tables one after another in foreign-key order, each at most the cap, until one
 * holds more. That table lands the cap and goes on later, and every table after it is held
 * until it is caught up: a later table read in full could refer to rows of it that wait for the
 * next batch (a payment to a transaction, a counterparty to an address), which the transform
 * would set aside and the warehouse's keys refuse. The tables before it were read in full.
 *
 * A table learns that it is over the cap from its own COPY, which reads one row past it, so no
 * table is counted before it is read, and the decision is made in the snapshot the rows come
 * from. One at a time, so that no table after a capped one is read for nothing.
 */
async function extractInOrder(
  tables: readonly SourceTable[],
  extract: (table: SourceTable) => Promise<LandedWindow>,
): Promise<BatchPlan> {
  const ordered = [...tables].sort(
    (a, b) => SOURCE_TABLE_NAMES.indexOf(a.name) - SOURCE_TABLE_NAMES.indexOf(b.name),
  );
  const landed: LandedWindow[] = [];
  for (const [index, table] of ordered.entries()) {
    const one = await extract(table);
    landed.push(one);
    if (one.entry.upTo) {
      return { landed, capped: [table.name], held: ordered.slice(index + 1).map((t) => t.name) };
    }
  }
  return { landed, capped: [], held: [] };
}

/** A capped table's rows left, as the log and the manifest name them. */
function rowsLeftOf(result: ExtractResult) {
  return { remaining: result.remaining, remainingEstimated: result.remainingEstimated };
}
