import type { ClientBase, Pool } from 'pg';
import type { LatestLoad, LoadLog, LoadLogEntry } from '../ports/load-log';

/**
 * The load log as the warehouse's `etl.load_log` table. Built on a pool for reading, or on the
 * load's own client so that `record` commits (or rolls back) with the batch's rows.
 *
 * @example
 * const log = new PostgresLoadLog(client); // inside the load's transaction
 * if (!(await log.has(batchId))) { ...; await log.record({ batchId, tables, newestSourceChange }); }
 */
export class PostgresLoadLog implements LoadLog {
  constructor(private readonly db: Pool | ClientBase) {}

  async exists(): Promise<boolean> {
    const result = await this.db.query<{ present: boolean }>(
      `SELECT to_regclass('etl.load_log') IS NOT NULL AS present`,
    );
    return result.rows[0]?.present ?? false;
  }

  async has(batchId: string): Promise<boolean> {
    const result = await this.db.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [batchId]);
    return (result.rowCount ?? 0) > 0;
  }

  async record(entry: LoadLogEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO etl.load_log (batch_id, rows, newest_source_change) VALUES ($1, $2, $3)
       ON CONFLICT (batch_id) DO UPDATE SET rows = EXCLUDED.rows, loaded_at = now(),
         newest_source_change = EXCLUDED.newest_source_change`,
      [
        entry.batchId,
        JSON.stringify(
          Object.fromEntries(
            entry.tables.map((t) => [
              t.table,
              {
                staged: t.staged,
                written: t.written,
                ...(t.deleted === undefined ? {} : { deleted: t.deleted }),
              },
            ]),
          ),
        ),
        entry.newestSourceChange,
      ],
    );
  }

  loadedSince(from: string): Promise<string[]> {
    return this.batchIds('SELECT batch_id FROM etl.load_log WHERE batch_id >= $1', from);
  }

  loadedOn(day: string): Promise<string[]> {
    return this.batchIds('SELECT batch_id FROM etl.load_log WHERE batch_id LIKE $1', `${day}%`);
  }

  async latest(): Promise<LatestLoad | undefined> {
    const result = await this.db.query<{
      batch_id: string;
      loaded_at: string;
      newest: string | null;
    }>(
      `SELECT batch_id, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS loaded_at,
              (SELECT to_char(max(newest_source_change), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM etl.load_log) AS newest
       FROM etl.load_log ORDER BY batch_id DESC LIMIT 1`,
    );
    const row = result.rows[0];
    return row
      ? { batchId: row.batch_id, loadedAt: row.loaded_at, newestSourceChange: row.newest }
      : undefined;
  }

  private async batchIds(sql: string, value: string): Promise<string[]> {
    const result = await this.db.query<{ batch_id: string }>(sql, [value]);
    return result.rows.map((row) => row.batch_id);
  }
}
