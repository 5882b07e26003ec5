/**
 * A large batch of fact versions into a fact table that already holds rows (every batch of a
 * capped backfill after a table's first). Inserting through the foreign keys fires one trigger
 * per row and key — an index probe and a row lock each, ~80 % of the insert's cost. So the keys
 * are dropped inside the load's transaction and the batch is checked once per key instead:
 * - while the table is not much larger than the batch, by adding the keys back, which
 *   validates the whole table with one join per key;
 * - once it is, by one anti-join per key over the batch's staged rows alone, after which the
 *   keys go back NOT VALID (no scan of the table) — every row of the table has still been
 *   checked, by PostgreSQL or by that join. The first batch that takes neither path (the
 *   backfill has caught up) validates them, one scan per key ({@link validatePendingKeys}).
 * A failure rolls all of it back; a row that refers to nothing sends the batch to the staging
 * path, whose triggers name it in PostgreSQL's own 23503.
 */
import type { PoolClient } from 'pg';
import { plannedRows } from '../shared/adapters/planned-rows';
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
import { stagingName } from './upsert-sql';

/**
 * Re-validating a key over the whole table costs ~0.3 µs a row here, its per-row trigger
 * ~6 µs (docs/benchmarks.md): the keys are re-validated while the table holds at most this
 * many times the batch; past that a batch is checked alone and its keys go back NOT VALID.
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
 * Appends a fact batch of `rows` rows with the table's foreign keys dropped, then re-added
 * validated or NOT VALID as above. On the first path the rows are COPYed straight into the
 * table (all new versions, the usual case of a backfill); if one of them is already there
 * (23505: an overlapping re-read), that COPY rolls back to a savepoint and the batch goes
 * through staging and `ON CONFLICT DO NOTHING` instead, still without per-row triggers.
 *
 * Answers undefined, having changed nothing, when the path does not apply: a dimension, a
 * batch under BULK_MIN_ROWS, or a batch with a row that refers to nothing.
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
  const revalidate = revalidatingIsCheaper(rows, await estimatedRows(client, table));
  const foreignKeys = await foreignKeysOf(client, table);
  const references = revalidate ? [] : await referencesOf(client, table);
  await client.query('SAVEPOINT large_fact_batch');
  try {
    await timePhase('load: drop FKs', () => dropForeignKeys(client, table, foreignKeys));
    if (revalidate) {
      const appended = await copyOrUpsert(client, table, path, source, batchId);
      await addForeignKeys(client, table, foreignKeys, 'validated');
      await client.query('RELEASE SAVEPOINT large_fact_batch');
      return appended;
    }
    const staged = await stageRows(client, table, path, source);
    const written = await upsertStaged(client, table, batchId, { keepStaging: true });
    // Adding the keys locks the tables they refer to against writes until commit, so what the
    // check below finds there stays there.
    await addForeignKeys(client, table, foreignKeys, 'notValid');
    if (await refersToNothing(client, table, references)) {
      await client.query('ROLLBACK TO SAVEPOINT large_fact_batch');
      return undefined;
    }
    await client.query(`DROP TABLE ${stagingName(table)}`);
    await client.query('RELEASE SAVEPOINT large_fact_batch');
    return { staged, written };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT large_fact_batch');
    throw error;
  }
}

/**
 * Validates the table's foreign keys that a backfill left NOT VALID, each by one scan; none is
 * the usual case and costs one catalogue query.
 */
export async function validatePendingKeys(
  client: PoolClient,
  table: WarehouseTable,
): Promise<void> {
  const pending = await client.query<{ name: string }>(
    `SELECT quote_ident(conname) AS name FROM pg_constraint
      WHERE conrelid = $1::regclass AND contype = 'f' AND NOT convalidated ORDER BY conname`,
    [table.name],
  );
  if (pending.rows.length === 0) return;
  await timePhase('load: validate FKs', async () => {
    for (const { name } of pending.rows) {
      await client.query(`ALTER TABLE ${quoteIdent(table.name)} VALIDATE CONSTRAINT ${name}`);
    }
  });
}

/** One foreign key as columns: the table's, and those they refer to in `target`. */
interface Reference {
  readonly columns: readonly string[];
  readonly target: string;
  readonly targetColumns: readonly string[];
}

/** The table's foreign keys as column lists, every name quoted by the server. */
async function referencesOf(client: PoolClient, table: WarehouseTable): Promise<Reference[]> {
  const result = await client.query<Reference>(
    `SELECT array_agg(quote_ident(a.attname) ORDER BY k.n) AS columns,
            c.confrelid::regclass::text AS target,
            array_agg(quote_ident(t.attname) ORDER BY k.n) AS "targetColumns"
       FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, ref, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
            JOIN pg_attribute t ON t.attrelid = c.confrelid AND t.attnum = k.ref
      WHERE c.conrelid = $1::regclass AND c.contype = 'f'
      GROUP BY c.oid, c.confrelid ORDER BY c.oid`,
    [table.name],
  );
  return result.rows;
}

/**
 * Whether a staged row refers to nothing by any key: one anti-join per key over the staged
 * rows, with the keys' MATCH SIMPLE rule (a row with a NULL in the key refers to nothing and
 * is let through).
 */
async function refersToNothing(
  client: PoolClient,
  table: WarehouseTable,
  references: readonly Reference[],
): Promise<boolean> {
  return timePhase('load: check FKs of the batch', async () => {
    for (const { columns, target, targetColumns } of references) {
      const staged = columns.map((column) => `s.${column}`);
      const matches = targetColumns.map((column, i) => `t.${column} = ${staged[i]}`);
      const orphan = await client.query(
        `SELECT 1 FROM ${stagingName(table)} s
          WHERE (${staged.join(', ')}) IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM ONLY ${target} t WHERE ${matches.join(' AND ')})
          LIMIT 1`,
      );
      if ((orphan.rowCount ?? 0) > 0) return true;
    }
    return false;
  });
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
  const rows = await plannedRows(client, `SELECT FROM ONLY ${quoteIdent(table.name)}`);
  return rows ?? Number.POSITIVE_INFINITY;
}
