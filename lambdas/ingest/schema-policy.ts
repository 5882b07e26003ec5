import { SCHEMA_CONTRACT, tableSetting, type SchemaContract } from '../../contract/settings';
import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../shared/core/catalogue';
import {
  recordedChange,
  sameChange,
  type PendingSchemaChange,
} from '../shared/core/schema-changes';
import { fitSchemaChanges } from '../shared/core/state-size';
import type { StageLogger } from '../shared/ports/stage-logger';
import type { WatermarkStore } from '../shared/ports/watermark-store';
import { resizeHarm } from './column-resize';
import type { FoundChange, LiveColumns } from './live-columns';
import { pausedPlan } from './paused-tables';

export interface SchemaOutcome {
  /** The checked tables this run reads: none stopped, none after a stopped one. */
  readonly read: readonly SourceTable[];
  /** Tables a change stopped: their windows do not move and nothing of them lands. */
  readonly stopped: readonly SourceTableName[];
  /** Tables after a stopped one in foreign-key order, left with it (as after a paused one). */
  readonly held: readonly SourceTableName[];
  /** Every change standing in the checked tables, and whether it stopped its table. */
  readonly changes: readonly PendingSchemaChange[];
}

/**
 * Whether a change stops its table: a dropped or retyped catalogue column always does, and so
 * does a resized one whose values the warehouse could alter or refuse (column-resize.ts); a new
 * column, or a resized one the warehouse holds, only under `freeze`.
 */
function stops(change: FoundChange, contract: SchemaContract): boolean {
  if (change.change === 'dropped' || change.change === 'retyped') return true;
  if (change.change === 'resized' && resizeHarm(change) !== undefined) return true;
  return tableSetting(contract, change.table) === 'freeze';
}

/**
 * Dates each change found (when first seen, kept from the ingest's state) and says whether it
 * stops its table. The state keeps the other tables' changes as they were.
 */
export function judgeChanges(
  found: ReadonlyMap<SourceTableName, readonly FoundChange[]>,
  contract: SchemaContract,
  previous: readonly PendingSchemaChange[],
  now: string,
): readonly PendingSchemaChange[] {
  const judged = [...found.values()].flat().map((change): PendingSchemaChange => {
    const seen = previous.find((p) => sameChange(p, { ...change, firstSeen: now }));
    return { ...change, firstSeen: seen?.firstSeen ?? now, stops: stops(change, contract) };
  });
  return [...previous.filter((p) => !found.has(p.table)), ...judged];
}

/**
 * Holds the checked tables' columns to the schema contract: keeps the changes standing in the
 * ingest's state (written only when they change, so status and doctor read what the last run
 * saw, and a table that agrees again clears), says each change once per run (an error for each
 * that stops its table, naming the database, table, column, before and after and what to do) and
 * leaves stopped tables, and those after them, unread.
 */
export async function applySchemaContract(
  live: LiveColumns,
  checked: readonly SourceTable[],
  contract: SchemaContract = SCHEMA_CONTRACT.default,
  watermarks: WatermarkStore,
  log: StageLogger,
  context: { readonly batchId: string; readonly now: string },
): Promise<SchemaOutcome> {
  const previous = await watermarks.schemaChanges();
  const pending = judgeChanges(live.changes, contract, previous, context.now);
  const fitted = fitSchemaChanges(pending);
  if (fitted.left > 0) {
    log.warn(
      `${fitted.left} of ${pending.length} standing schema changes do not fit the 4 KB the ingest keeps between runs: those that stop a table are kept first, the others are found again each run (deliverance status lists only those kept; etl.schema_changes has them all)`,
      { batchId: context.batchId, kept: fitted.kept.length, left: fitted.left },
    );
  }
  if (JSON.stringify(fitted.kept) !== JSON.stringify(previous)) {
    await watermarks.setSchemaChanges(fitted.kept);
  }
  const standing = pending.filter((p) => live.changes.has(p.table));
  const stopped = [...new Set(standing.filter((c) => c.stops).map((c) => c.table))];
  const plan = pausedPlan(
    checked.map((t) => t.name),
    stopped,
  );
  for (const change of standing) {
    if (change.stops) {
      log.error(stopLine(live.database, change, contract, plan.held), {
        batchId: context.batchId,
        ...recordedChange(change),
        held: plan.held,
      });
    } else if (change.change === 'resized') {
      log.warn(
        'Source column was resized within what the warehouse holds: kept, its values load as they are',
        { batchId: context.batchId, ...recordedChange(change) },
      );
    } else {
      log.warn(
        'Source table has columns the catalogue does not know: kept in landing, ignored downstream',
        {
          batchId: context.batchId,
          table: change.table,
          column: change.column,
          type: change.after,
        },
      );
    }
  }
  return {
    read: plan.read.map((name) => SOURCE_TABLES[name]),
    stopped,
    held: plan.held,
    changes: standing,
  };
}

/**
 * The one line an operator reads for a change that stopped its table.
 *
 * @example
 * // 'Source database totesys: payment.paid was dropped (was boolean). payment is stopped …'
 */
export function stopLine(
  database: string,
  change: PendingSchemaChange,
  contract: SchemaContract,
  held: readonly SourceTableName[],
): string {
  const { table, column } = change;
  const policy = `${table}'s schema contract is ${tableSetting(contract, table)}`;
  const evolve = `set ${table}=evolve in DELIVERANCE_SCHEMA_CONTRACT / deliverance:schemaContract`;
  const restore = `restore the column as ${change.before}`;
  const harm = change.change === 'resized' ? resizeHarm(change) : undefined;
  const what =
    change.change === 'dropped'
      ? `was dropped (was ${change.before})`
      : change.change === 'retyped'
        ? `was retyped ${change.before} → ${change.after}`
        : change.change === 'resized'
          ? `was resized ${change.before} → ${change.after} and ${harm ?? policy}`
          : `was added (${change.after}) and ${policy}`;
  const todo =
    change.change === 'added'
      ? `drop the column, take it into the catalogue (docs/extending.md), or ${evolve}`
      : change.change === 'resized' && harm === undefined
        ? `${restore}, or ${evolve}`
        : `${restore}, or change the catalogue and the warehouse to match (docs/extending.md)`;
  const after = held.length > 0 ? ` and the tables after it (${held.join(', ')}) wait` : '';
  return `Source database ${database}: ${table}.${column} ${what}. ${table} is stopped (its watermark does not move, none of its rows land)${after}: ${todo}; the next run after that catches up`;
}
