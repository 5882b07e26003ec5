import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ClientBase, Pool, PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../shared/core/catalogue';
import type { FutureStamped } from '../shared/ports/run-log';
import { plannedRows } from '../shared/adapters/planned-rows';
import type { SourceCopy, SourceDatabase, SourceSnapshot } from '../shared/ports/source-database';
import type { StageLogger } from '../shared/ports/stage-logger';
import { sourceKeys, sqlKeySide, type KeySide } from './deletes/key-side';
import {
  extractCopy,
  liveTypesSelect,
  remainingRows,
  remainingRowsSelect,
  sqlJsonCopy,
  type LiveType,
} from './extract-query';
import { findFutureStamped } from './future-stamped';
import { checkSourceColumns, type LiveColumns } from './live-columns';
import { readSourceClock, type SourceReading } from './source-clock';

/**
 * The source on PostgreSQL: each read on a pooled connection of its own, each snapshot a
 * repeatable-read, read-only transaction on one.
 *
 * @example
 * await runIngest({ source: new PostgresSource(pool), landing, watermarks, logger, overlapSeconds: 300 });
 */
export class PostgresSource implements SourceDatabase {
  constructor(private readonly pool: Pool) {}

  liveColumns(tables: readonly SourceTable[]): Promise<LiveColumns> {
    return this.on((client) => checkSourceColumns(client, tables));
  }

  readClock(precision: number, logger: StageLogger): Promise<SourceReading> {
    return this.on((client) => readSourceClock(client, logger, precision));
  }

  futureStamped(tables: readonly SourceTable[], bound: string): Promise<FutureStamped[]> {
    return this.on((client) => findFutureStamped(client, tables, bound));
  }

  inSnapshot<T>(read: (snapshot: SourceSnapshot) => Promise<T>): Promise<T> {
    return this.on(async (client) => {
      // DateStyle ISO: the form copy-json.ts reads timestamps in, whatever the server's default.
      await client.query(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL DateStyle = 'ISO, YMD'",
      );
      const copies: Readable[] = [];
      try {
        const result = await read(snapshotOn(client, copies));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        for (const copy of copies) await drain(copy);
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  withKeys<T>(
    table: SourceTableName,
    read: (keys: KeySide, seenAt: string) => Promise<T>,
  ): Promise<T> {
    return this.on(async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const seenAt = await snapshotTime(client);
        const result = await read(
          sqlKeySide(client, sourceKeys(table, SOURCE_TABLES[table].primaryKey)),
          seenAt,
        );
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async on<T>(use: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await use(client);
    } finally {
      client.release();
    }
  }
}

/** The window's reads inside the transaction open on `client`; every COPY handed out is kept in `copies`. */
function snapshotOn(client: ClientBase, copies: Readable[]): SourceSnapshot {
  // pg-copy-streams sets the stream's rowCount from the "COPY n" tag that follows the rows.
  const copy = (sql: string): SourceCopy => {
    const stream = client.query(copyTo(sql));
    copies.push(stream);
    return stream;
  };
  return {
    async remainingRows(table, window) {
      const { rows } = await client.query<{ rows: number }>(remainingRows(table, window));
      return rows[0]?.rows ?? 0;
    },
    estimatedRemainingRows: (table, window) =>
      plannedRows(client, remainingRowsSelect(table, window)),
    async liveTypes(table) {
      return (await client.query<LiveType>(liveTypesSelect(table))).rows;
    },
    copyText: (table, window, forms, limit) => copy(extractCopy(table, window, forms, limit)),
    jsonLines: (table, window, limit) => copy(sqlJsonCopy(table, window, true, limit)),
  };
}

/**
 * Reads what is left of a COPY into nowhere. Until the COPY ends the connection answers nothing
 * else, so the ROLLBACK after a failed upload or encoding would wait for ever on it.
 */
async function drain(copy: Readable): Promise<void> {
  if (copy.readableEnded || copy.destroyed) return;
  copy.unpipe();
  copy.resume();
  await finished(copy).catch(() => undefined);
}

/**
 * When the source's snapshot was taken, with microseconds: when the keys were seen gone. It is
 * read on the clock the source stamps `last_updated` with (the wall clock of its TimeZone, as the
 * watermarks are), because the load compares it with the versions' stamps: in UTC, a source an
 * hour east of UTC would have its rows look newer than their own deletion, and none be marked.
 */
async function snapshotTime(source: ClientBase): Promise<string> {
  const { rows } = await source.query<{ at: string }>(
    `SELECT to_char(now() AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at`,
  );
  return (rows[0] as { at: string }).at;
}
