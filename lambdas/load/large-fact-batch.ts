/**
 * A large batch of fact versions into a fact table that already holds rows (every batch of a
 * capped backfill after a table's first). Inserting through the foreign keys fires one trigger
 * per row and key — an index probe and a row lock each, ~80 % of the insert's cost. So the keys
 * are dropped inside the load's transaction and the batch is checked once per key instead:
 * - while the table is not much larger than the batch, by adding the keys back, which
 *   validates the whole table with one join per key;
 * - once it is, by one anti-join per key over the batch's own rows alone, after which the
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
import type { FactTable, WarehouseTable } from '../shared/core/warehouse-catalogue';
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
 * The keys are re-validated over the whole table while it holds at most this many times the
 * batch; past that a batch is checked alone and its keys go back NOT VALID. Checked alone, a
 * batch of 100,000 costs about 0.5 s beyond its COPY; re-validated, 0.6 s at twice the batch and
 * 1.35–1.6 s at six to ten times, growing with the table (docs/benchmarks.md, round five).
 */
export const REVALIDATE_MAX_TABLE_RATIO = 2;

/** Whether re-validating the keys over a table of `tableRows` beats checking the batch alone. */
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
 * validated or NOT VALID as above. The rows are COPYed straight into the table (all new
 * versions, the usual case of a backfill), and the check reads them back there by their record
 * ids; if one of them is already there (23505: an overlapping re-read), that COPY rolls back to
 * a savepoint and the batch goes through staging and `ON CONFLICT DO NOTHING` instead, still
 * without per-row triggers, and is checked in staging.
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
    const { staged, written, batch } = await copyOrUpsert(client, table, path, source, batchId);
    if (revalidate) {
      await addForeignKeys(client, table, foreignKeys, 'validated');
    } else {
      // Adding the keys locks the tables they refer to against writes until commit, so what
      // the check below finds there stays there.
      await addForeignKeys(client, table, foreignKeys, 'notValid');
      if (await refersToNothing(client, batch, references)) {
        await client.query('ROLLBACK TO SAVEPOINT large_fact_batch');
        return undefined;
      }
    }
    // The staging table, where the batch took that path: the load's next file may stage again.
    await client.query(`DROP TABLE IF EXISTS ${stagingName(table)}`);
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
 * Where a batch's rows are read again: the fact table above the record id its sequence had
 * given before the batch's COPY, or the staging table the batch went through.
 */
interface BatchRows {
  readonly from: string;
  readonly where: string;
  readonly values: readonly string[];
}

/**
 * Whether a row of the batch refers to nothing by any key: one anti-join per key over the
 * batch's rows, with the keys' MATCH SIMPLE rule (a row with a NULL in the key refers to
 * nothing and is let through).
 */
async function refersToNothing(
  client: PoolClient,
  batch: BatchRows,
  references: readonly Reference[],
): Promise<boolean> {
  return timePhase('load: check FKs of the batch', async () => {
    for (const { columns, target, targetColumns } of references) {
      const values = columns.map((column) => `s.${column}`);
      const matches = targetColumns.map((column, i) => `t.${column} = ${values[i]}`);
      const orphan = await client.query(
        `SELECT 1 FROM ${batch.from} s
          WHERE ${batch.where} AND (${values.join(', ')}) IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM ONLY ${target} t WHERE ${matches.join(' AND ')})
          LIMIT 1`,
        [...batch.values],
      );
      if ((orphan.rowCount ?? 0) > 0) return true;
    }
    return false;
  });
}

async function copyOrUpsert(
  client: PoolClient,
  table: FactTable,
  path: string,
  source: string,
  batchId: string,
): Promise<AppendedBatch & { readonly batch: BatchRows }> {
  const after = await lastRecordId(client, table);
  await client.query('SAVEPOINT large_fact_copy');
  try {
    const written = await copyParquetInto(client, quoteIdent(table.name), table, path, source);
    await client.query('RELEASE SAVEPOINT large_fact_copy');
    const batch = {
      from: `ONLY ${quoteIdent(table.name)}`,
      where: `s.${quoteIdent(table.recordId)} > $1`,
      values: [after],
    };
    return { staged: written, written, batch };
  } catch (error) {
    if (pgCode(error) !== PG.uniqueViolation) throw error;
    await client.query('ROLLBACK TO SAVEPOINT large_fact_copy');
  }
  const staged = await stageRows(client, table, path, source);
  const written = await upsertStaged(client, table, batchId, { keepStaging: true });
  return { staged, written, batch: { from: stagingName(table), where: 'true', values: [] } };
}

/**
 * The last record id the table's sequence gave ('0' before its first): every id a later COPY
 * takes is above it, whatever ids a rolled-back COPY used up. The load's advisory lock keeps
 * any other writer out meanwhile.
 */
async function lastRecordId(client: PoolClient, table: FactTable): Promise<string> {
  const result = await client.query<{ id: string }>(
    `SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 0)::text AS id`,
    [quoteIdent(table.name), table.recordId],
  );
  return result.rows[0]?.id ?? '0';
}

/**
 * The planner's row count for the table: reltuples scaled to the table's current size, so it
 * counts rows committed since the last ANALYZE without scanning them.
 */
async function estimatedRows(client: PoolClient, table: WarehouseTable): Promise<number> {
  const rows = await plannedRows(client, `SELECT FROM ONLY ${quoteIdent(table.name)}`);
  return rows ?? Number.POSITIVE_INFINITY;
}
