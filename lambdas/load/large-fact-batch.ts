/**
 * A large batch of fact versions into a fact table that already holds rows (every batch of a
 * capped backfill after a table's first). Inserting through the foreign keys fires one trigger
 * per row and key — an index probe and a row lock each, ~80 % of the insert's cost. When the
 * table is not much larger than the batch, it is cheaper to drop the table's foreign keys inside
 * the load's transaction, append the rows, and add the keys back, which validates the whole
 * table with one join per key. The declared schema is the same at commit and every row has been
 * checked; a failure rolls all of it back.
 */
import type { PoolClient } from 'pg';
import { PG, pgCode } from '../shared/adapters/postgres-codes';
import { quoteIdent } from '../shared/core/catalogue';
import type { WarehouseTable } from '../shared/core/warehouse-catalogue';
import { timePhase } from '../shared/phase-timer';
import {
  addForeignKeys,
  BULK_MIN_ROWS,
  copyParquetInto,
  dropForeignKeys,
  foreignKeysOf,
} from './bulk-load';
import { stageRows, upsertStaged } from './staged-upsert';

/**
 * Re-validating a key over the whole table costs ~0.3 µs a row here, its per-row trigger
 * ~6 µs (docs/benchmarks.md): the keys are dropped only while the table holds at most this
 * many times the batch, so a batch into a large table keeps its triggers and never pays for
 * a scan of everything.
 */
export const REVALIDATE_MAX_TABLE_RATIO = 10;

/** Whether re-validating the foreign keys over a table of `tableRows` beats a batch's triggers. */
export function revalidatingIsCheaper(batchRows: number, tableRows: number): boolean {
  return batchRows >= BULK_MIN_ROWS && tableRows <= batchRows * REVALIDATE_MAX_TABLE_RATIO;
}

/** What the large-batch path did: rows read from the file, rows added to the table. */
export interface AppendedBatch {
  readonly staged: number;
  readonly written: number;
}

/**
 * Appends a fact batch of `rows` rows with the table's foreign keys dropped and re-added. The
 * rows are COPYed straight into the table (all new versions, the usual case of a backfill); if
 * one of them is already there (23505: an overlapping re-read), that COPY rolls back to a
 * savepoint and the batch goes through staging and `ON CONFLICT DO NOTHING` instead, still
 * without per-row triggers.
 *
 * Answers undefined, having changed nothing, when the path does not apply: a dimension, a
 * batch under BULK_MIN_ROWS, or a table more than REVALIDATE_MAX_TABLE_RATIO times the batch
 * by the planner's estimate.
 */
export async function appendLargeFactBatch(
  client: PoolClient,
  table: WarehouseTable,
  path: string,
  source: string,
  rows: number,
  batchId: string,
): Promise<AppendedBatch | undefined> {
  if (table.kind !== 'fact' || rows < BULK_MIN_ROWS) return undefined;
  if (!revalidatingIsCheaper(rows, await estimatedRows(client, table))) return undefined;
  const foreignKeys = await foreignKeysOf(client, table);
  await client.query('SAVEPOINT large_fact_batch');
  try {
    await timePhase('load: drop FKs', () => dropForeignKeys(client, table, foreignKeys));
    const appended = await copyOrUpsert(client, table, path, source, batchId);
    await addForeignKeys(client, table, foreignKeys);
    await client.query('RELEASE SAVEPOINT large_fact_batch');
    return appended;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT large_fact_batch');
    throw error;
  }
}

async function copyOrUpsert(
  client: PoolClient,
  table: WarehouseTable,
  path: string,
  source: string,
  batchId: string,
): Promise<AppendedBatch> {
  await client.query('SAVEPOINT large_fact_copy');
  try {
    const written = await copyParquetInto(client, quoteIdent(table.name), table, path, source);
    await client.query('RELEASE SAVEPOINT large_fact_copy');
    return { staged: written, written };
  } catch (error) {
    if (pgCode(error) !== PG.uniqueViolation) throw error;
    await client.query('ROLLBACK TO SAVEPOINT large_fact_copy');
  }
  const staged = await stageRows(client, table, path, source);
  return { staged, written: await upsertStaged(client, table, batchId) };
}

/**
 * The planner's row count for the table: reltuples scaled to the table's current size, so it
 * counts rows committed since the last ANALYZE without scanning them.
 */
async function estimatedRows(client: PoolClient, table: WarehouseTable): Promise<number> {
  const plan = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
    `EXPLAIN (FORMAT JSON) SELECT FROM ONLY ${quoteIdent(table.name)}`,
  );
  return plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? Number.POSITIVE_INFINITY;
}
