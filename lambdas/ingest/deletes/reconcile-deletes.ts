import type { ClientBase, Pool } from 'pg';
import { tableSetting, type DeletesTableSettings } from '../../../contract/settings';
import {
  DELETED_KEYS_REACH,
  SOURCE_DELETED_AT,
  deletesKey,
  type TombstoneLine,
} from '../../../contract/source-deletes';
import type { SourceTableName } from '../../shared/core/catalogue';
import type { LandedDeletes } from '../../shared/core/manifest';
import type {
  DeletesState,
  DeletesStateStore,
  HeldDeletes,
  TableDeletesState,
} from '../../shared/ports/deletes-state-store';
import type { ObjectStore } from '../../shared/ports/object-store';
import type { SourceDatabase } from '../../shared/ports/source-database';
import type { StageLogger } from '../../shared/ports/stage-logger';
import { overGuard, guardLine } from './deletes-guard';
import { isDueForDeletes, type DeletesRequest } from './deletes-schedule';
import { sqlKeySide, warehouseKeys } from './key-side';
import { DEFAULT_DESCENT_SHAPE, findMissingKeys, type DescentShape } from './range-descent';

/**
 * How the reconciliation is tuned (contract/settings.ts): each table's schedule and guard, and
 * the tombstones a table may land in one run.
 */
export interface DeletesSettings extends DeletesTableSettings {
  readonly maxPerRun: number;
  readonly shape?: DescentShape;
}

export interface DeletesOptions {
  /** The warehouse, read in a read-only transaction only; opened only when a table is due. */
  readonly warehouse: () => Promise<Pool>;
  readonly state: DeletesStateStore;
  readonly settings: DeletesSettings;
  readonly request?: DeletesRequest;
}

/** What one table's reconciliation did in this run. */
export interface TableDeletes {
  readonly table: SourceTableName;
  /** Keys each side holds. */
  readonly compared: { readonly source: number; readonly warehouse: number };
  /** Keys each side returned one by one (only those of ranges that differ). */
  readonly read: { readonly source: number; readonly warehouse: number };
  /** Tombstones landed in this batch. */
  readonly landed: number;
  /** More keys are gone than the cap let this run land: the next run goes on. */
  readonly capped: boolean;
  /** Held by the guard instead of landed. */
  readonly held?: HeldDeletes;
  /** The batch of the table's last tombstones the warehouse has not loaded yet: the table waits. */
  readonly waitingFor?: string;
}

export interface DeletesOutcome {
  readonly tables: readonly TableDeletes[];
  /** The deletes object of each table that landed tombstones. */
  readonly landed: ReadonlyMap<SourceTableName, LandedDeletes>;
  /** The state to keep once the batch's manifest is written. */
  readonly state: DeletesState;
  /** Keys the guard holds across every table, after this run. */
  readonly heldKeys: number;
}

/**
 * The deletes reconciliation of one ingest run (docs/guarantees.md, "Deletes"): each of `tables`
 * that is due (its own schedule came round, deletes-schedule.ts, or it was asked for) has its primary keys compared with the keys the warehouse holds
 * alive, range by range (range-descent.ts), and the keys the source no longer has land as
 * tombstone lines in this batch, at most `maxPerRun` a table. Runs after the batch's rows were
 * read, so a tombstone is never older than a row of the same batch; the source is read in one
 * repeatable-read snapshot per table, and a key present in it is never tombstoned.
 *
 * A table whose last tombstones the warehouse has not loaded yet waits (else it would land them
 * again), and one that would lose more than its `guardPercent` of its keys is held by the guard.
 * Nothing is kept until the caller writes `state` after the manifest: a run that fails before
 * finds the same keys again.
 */
export async function reconcileDeletes(
  source: SourceDatabase,
  landing: ObjectStore,
  batchId: string,
  tables: readonly SourceTableName[],
  options: DeletesOptions,
  now: Date,
  log: StageLogger,
): Promise<DeletesOutcome> {
  const before = await options.state.deletesState();
  const due = tables.filter(
    (t) =>
      DELETED_KEYS_REACH[t] &&
      isDueForDeletes(t, before[t], options.settings.schedule, options.request, now),
  );
  const state: Record<string, TableDeletesState> = { ...before };
  const reports: TableDeletes[] = [];
  const landed = new Map<SourceTableName, LandedDeletes>();
  if (due.length > 0) {
    const warehouse = await (await options.warehouse()).connect();
    try {
      await warehouse.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const live = await liveColumnTables(warehouse);
      const loaded = await loadedBatches(
        warehouse,
        due.map((t) => before[t]?.pendingBatch),
      );
      for (const table of due) {
        const pending = before[table]?.pendingBatch;
        if (pending !== undefined && !loaded.has(pending)) {
          reports.push({ ...nothing(table), waitingFor: pending });
          continue;
        }
        const { report, tombstones, next } = await reconcileTable(
          source,
          warehouse,
          table,
          live,
          { ...before[table], pendingBatch: undefined },
          options,
          now,
        );
        reports.push(report);
        state[table] = next(batchId);
        if (report.held)
          log.warn(
            guardLine(table, report.held, tableSetting(options.settings.guardPercent, table)),
            {
              batchId,
              table,
              ...report.held,
            },
          );
        if (tombstones.length > 0) {
          const key = deletesKey(table, batchId);
          const body = tombstones.map((t) => JSON.stringify(t)).join('\n') + '\n';
          await landing.put(key, body, 'application/x-ndjson');
          landed.set(table, { key, rows: tombstones.length });
          log.info('Landed the keys the source no longer has', {
            batchId,
            table,
            key,
            tombstones: tombstones.length,
            capped: report.capped,
          });
        }
      }
      await warehouse.query('COMMIT');
    } catch (error) {
      await warehouse.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      warehouse.release();
    }
  }
  const heldKeys = Object.values(state).reduce((sum, s) => sum + (s.held?.keys ?? 0), 0);
  return { tables: reports, landed, state, heldKeys };
}

function nothing(table: SourceTableName): TableDeletes {
  const zero = { source: 0, warehouse: 0 };
  return { table, compared: zero, read: zero, landed: 0, capped: false };
}

async function reconcileTable(
  source: SourceDatabase,
  warehouse: ClientBase,
  table: SourceTableName,
  live: ReadonlySet<string>,
  previous: TableDeletesState,
  options: DeletesOptions,
  now: Date,
): Promise<{
  report: TableDeletes;
  tombstones: TombstoneLine[];
  next: (batchId: string) => TableDeletesState;
}> {
  const reach = DELETED_KEYS_REACH[table] as NonNullable<(typeof DELETED_KEYS_REACH)[typeof table]>;
  const { settings, request } = options;
  const guardPercent = tableSetting(settings.guardPercent, table);
  const confirmed =
    previous.confirmed === true ||
    (request?.confirm === true && (request.tables === undefined || request.tables.includes(table)));
  const { missing, seenAt } = await source.withKeys(table, async (keys, seenAt) => ({
    seenAt,
    missing: await findMissingKeys(
      keys,
      sqlKeySide(warehouse, warehouseKeys(reach.table, reach.column, live.has(reach.table))),
      settings.maxPerRun,
      settings.shape ?? DEFAULT_DESCENT_SHAPE,
      (atLeast, held) => !confirmed && overGuard(atLeast, held, guardPercent),
    ),
  }));
  const gone = Math.max(missing.atLeast, missing.keys.length);
  const base = { table, compared: missing.compared, read: missing.read };
  const at = now.toISOString();
  if (!confirmed && overGuard(gone, missing.compared.warehouse, guardPercent)) {
    const held: HeldDeletes = { keys: gone, share: gone / missing.compared.warehouse, at };
    return {
      report: { ...base, landed: 0, capped: false, held },
      tombstones: [],
      next: () => ({ reconciledAt: at, held }),
    };
  }
  const tombstones = missing.keys.map((key) => ({ key, deletedAt: seenAt }));
  // A capped run stays due: the next run lands the next keys once these are loaded.
  const reconciledAt = missing.capped ? previous.reconciledAt : at;
  return {
    report: { ...base, landed: tombstones.length, capped: missing.capped },
    tombstones,
    next: (batchId) => ({
      ...(reconciledAt === undefined ? {} : { reconciledAt }),
      ...(missing.capped ? { resume: true as const } : {}),
      ...(tombstones.length > 0 ? { pendingBatch: batchId } : {}),
      ...(missing.capped && confirmed ? { confirmed: true } : {}),
    }),
  };
}

/** The warehouse tables that have a `source_deleted_at` column yet. */
async function liveColumnTables(warehouse: ClientBase): Promise<Set<string>> {
  const { rows } = await warehouse.query<{ table: string }>(
    `SELECT table_name AS table FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_name = $1`,
    [SOURCE_DELETED_AT],
  );
  return new Set(rows.map((r) => r.table));
}

/** Which of the batches the warehouse has loaded. */
async function loadedBatches(
  warehouse: ClientBase,
  batches: readonly (string | undefined)[],
): Promise<Set<string>> {
  const named = batches.filter((b): b is string => b !== undefined);
  if (named.length === 0) return new Set();
  const { rows } = await warehouse.query<{ batch_id: string }>(
    'SELECT batch_id FROM etl.load_log WHERE batch_id = ANY($1)',
    [named],
  );
  return new Set(rows.map((r) => r.batch_id));
}
