/**
 * The load's I/O helpers: a processed object downloaded to a local file (so memory holds one
 * row group, never the file), Parquet rows streamed into a COPY, and the bulk path for a batch
 * that goes into an empty table.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PG, pgCode } from '../shared/adapters/postgres-codes';
import { quoteIdent } from '../shared/core/catalogue';
import type { WarehouseTable } from '../shared/core/warehouse-catalogue';
import { readParquetColumns } from '../shared/parquet';
import { phaseEnd, phaseStart, timePhase } from '../shared/phase-timer';
import type { ObjectStore } from '../shared/ports/object-store';
import { columnsToCopyText } from './copy-text';
import { stagedColumns } from './upsert-sql';

/** A processed object as a local file (Lambda: /tmp), removed by `dispose`. */
export interface LocalCopy {
  readonly path: string;
  dispose(): Promise<void>;
}

export async function downloadToTemp(store: ObjectStore, key: string): Promise<LocalCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'dlv-load-'));
  const path = join(dir, 'object.parquet');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await timePhase('load: download', async () =>
      pipeline(await store.stream(key), createWriteStream(path)),
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { path, dispose };
}

/**
 * Streams a Parquet file's rows into `COPY <target> (staged columns) FROM STDIN`, one row group
 * at a time. Answers the rows sent.
 */
export async function copyParquetInto(
  client: PoolClient,
  target: string,
  table: WarehouseTable,
  path: string,
  source: string,
): Promise<number> {
  const columns = stagedColumns(table);
  // A buffer of a few slices, so PostgreSQL has text to parse while the next row group decodes:
  // with the default 16 KB every write waited for the socket to drain, and the two took turns.
  const copy = client.query(
    copyFrom(`COPY ${target} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`, {
      highWaterMark: COPY_BUFFER_BYTES,
    }),
  );
  const finished = new Promise<void>((resolve, reject) => {
    copy.on('finish', resolve);
    copy.on('error', reject);
  });
  // Awaited below; marked handled now so an early COPY error is not an unhandled rejection.
  finished.catch(() => undefined);
  let sent = 0;
  // Up to COPY_BUFFER_BYTES of text in flight while the next slice is built, so PostgreSQL
  // parses while Node decodes and encodes; slices, not whole row groups, keep strings small.
  let drained: Promise<unknown> | undefined;
  try {
    const groups = readParquetColumns(path, table, source);
    for (;;) {
      let started = phaseStart();
      const next = await groups.next();
      phaseEnd('load: Parquet decode', started);
      if (next.done) break;
      const group = next.value;
      sent += group.rows;
      for (let from = 0; from < group.rows; from += COPY_SLICE_ROWS) {
        started = phaseStart();
        const text = columnsToCopyText(
          group,
          columns,
          from,
          Math.min(group.rows, from + COPY_SLICE_ROWS),
        );
        phaseEnd('load: COPY text', started);
        started = phaseStart();
        await drained;
        // A COPY error rejects `finished`, which reports it; here it only ends the wait.
        drained = copy.write(text) ? undefined : once(copy, 'drain').catch(() => undefined);
        phaseEnd('load: COPY wait', started);
      }
    }
    await drained;
  } catch (error) {
    copy.destroy(error as Error);
    // The COPY's own failure (e.g. a bad value) is the better error when there is one; a COPY
    // the reader's error aborted only echoes that error back ('COPY from stdin failed: …').
    await finished.catch((copyError: unknown) => {
      throw pgCode(copyError) === PG.queryCanceled ? error : copyError;
    });
    throw error;
  }
  const started = phaseStart();
  copy.end();
  await finished;
  phaseEnd('load: COPY wait', started);
  return sent;
}

const COPY_SLICE_ROWS = 10_000;
const COPY_BUFFER_BYTES = 8 * 1024 * 1024;

/** Rows below this go through the staging table whatever the target holds. */
export const BULK_MIN_ROWS = 20_000;

/**
 * A large batch into an EMPTY table (a first load, a rebuilt warehouse): the table's foreign
 * keys and secondary indexes are dropped, the rows COPYed straight in, the indexes rebuilt and
 * the foreign keys added back — which validates every row with one join per key instead of a
 * trigger per row and key, and builds each index once, sorted. All inside the load's
 * transaction, so a failure leaves the table and its constraints as they were.
 *
 * Answers the rows written, or undefined when the bulk path does not apply (table not empty,
 * or two rows of the batch share a key — the staging path then dedupes them as usual).
 */
export async function bulkLoadIntoEmpty(
  client: PoolClient,
  table: WarehouseTable,
  path: string,
  source: string,
): Promise<number | undefined> {
  const target = quoteIdent(table.name);
  const empty = await client.query(`SELECT 1 FROM ${target} LIMIT 1`);
  if ((empty.rowCount ?? 0) > 0) return undefined;
  const foreignKeys = await foreignKeysOf(client, table);
  // Named by whoever tunes the warehouse: the server quotes them and qualifies an index outside
  // the search path, so any name it accepted round-trips.
  const indexes = await client.query<SchemaObject>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
      ORDER BY c.relname`,
    [table.name],
  );
  await client.query('SAVEPOINT bulk_load');
  try {
    await timePhase('load: drop FKs and indexes', async () => {
      await dropForeignKeys(client, table, foreignKeys);
      for (const index of indexes.rows) await client.query(`DROP INDEX ${index.name}`);
    });
    const written = await copyParquetInto(client, target, table, path, source);
    await timePhase('load: rebuild indexes', async () => {
      for (const index of indexes.rows) await client.query(index.definition);
    });
    await addForeignKeys(client, table, foreignKeys);
    await client.query('RELEASE SAVEPOINT bulk_load');
    return written;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT bulk_load');
    if (pgCode(error) === PG.uniqueViolation) return undefined;
    throw error;
  }
}

/** A constraint or index as the server names and defines it. */
export interface SchemaObject {
  readonly name: string;
  readonly definition: string;
}

/**
 * The table's foreign keys. Whoever tunes the warehouse names these, not the catalogue: the
 * server quotes the names, so any name it accepted round-trips through drop and add.
 */
export async function foreignKeysOf(
  client: PoolClient,
  table: WarehouseTable,
): Promise<SchemaObject[]> {
  const result = await client.query<SchemaObject>(
    `SELECT quote_ident(conname) AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`,
    [table.name],
  );
  return result.rows;
}

/** Drops the foreign keys (and with them their per-row triggers) until the transaction re-adds them. */
export async function dropForeignKeys(
  client: PoolClient,
  table: WarehouseTable,
  foreignKeys: readonly SchemaObject[],
): Promise<void> {
  for (const fk of foreignKeys) {
    await client.query(`ALTER TABLE ${quoteIdent(table.name)} DROP CONSTRAINT ${fk.name}`);
  }
}

/**
 * Adds the foreign keys back. `validated` (the default): each is validated over the whole table
 * by one join (a row that refers to nothing fails it with 23503, as the per-row trigger would
 * have), a key a backfill left NOT VALID included. `notValid`: added without reading the table,
 * for rows the caller has checked itself (large-fact-batch.ts); later rows are checked by the
 * keys' triggers as ever.
 */
export async function addForeignKeys(
  client: PoolClient,
  table: WarehouseTable,
  foreignKeys: readonly SchemaObject[],
  mode: 'validated' | 'notValid' = 'validated',
): Promise<void> {
  await timePhase(
    mode === 'validated' ? 'load: validate FKs' : 'load: add FKs NOT VALID',
    async () => {
      for (const fk of foreignKeys) {
        const definition = fk.definition.replace(NOT_VALID, '');
        await client.query(
          `ALTER TABLE ${quoteIdent(table.name)} ADD CONSTRAINT ${fk.name} ${definition}` +
            (mode === 'notValid' ? ' NOT VALID' : ''),
        );
      }
    },
  );
}

/** How pg_get_constraintdef ends the definition of a key not yet validated. */
const NOT_VALID = / NOT VALID$/;
