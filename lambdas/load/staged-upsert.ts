/**
 * The load's general path: a batch's rows COPYed into a temporary staging table, then merged
 * into the warehouse table by one `INSERT … SELECT … ON CONFLICT` (upsert-sql.ts), which
 * dedupes the batch and keeps the newer version of a row.
 */
import type { PoolClient } from 'pg';
import type { WarehouseTable } from '../shared/core/warehouse-catalogue';
import { timePhase } from '../shared/phase-timer';
import { copyParquetInto } from './bulk-load';
import { createStagingSql, stagingName, upsertQuery } from './upsert-sql';

/** Creates the table's staging table and COPYs the Parquet file's rows in; answers the rows. */
export async function stageRows(
  client: PoolClient,
  table: WarehouseTable,
  path: string,
  source: string,
): Promise<number> {
  await client.query(createStagingSql(table));
  return copyParquetInto(client, stagingName(table), table, path, source);
}

/**
 * Merges the staged rows into the table and drops the staging table, unless `keepStaging` (the
 * caller still reads the rows); answers the rows inserted or changed (the rest were already
 * there).
 */
export async function upsertStaged(
  client: PoolClient,
  table: WarehouseTable,
  batchId: string,
  { keepStaging = false } = {},
): Promise<number> {
  const result = await timePhase('load: INSERT … ON CONFLICT', () =>
    client.query(upsertQuery(table, batchId)),
  );
  if (!keepStaging) await client.query(`DROP TABLE ${stagingName(table)}`);
  return result.rowCount ?? 0;
}
