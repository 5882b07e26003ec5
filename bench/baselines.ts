/**
 * The yardsticks each stage is compared with, measured in the same run on the same rows:
 * raw COPY TO for ingest, raw COPY FROM into an empty copy of each table for load, parquetjs-lite
 * for transform, and a row-by-row INSERT loop on a sample.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sqlJsonCopy, windowCondition } from '../lambdas/ingest/extract-query';
import { toCopyText } from '../lambdas/load/copy-text';
import { stagedColumns } from '../lambdas/load/upsert-sql';
import { PG, pgCode } from '../lambdas/shared/adapters/postgres-codes';
import { quoteIdent, SOURCE_TABLES } from '../lambdas/shared/core/catalogue';
import type { LandingManifest, ProcessedManifest } from '../lambdas/shared/core/manifest';
import {
  FACTS,
  warehouseTable,
  type WarehouseRow,
  type WarehouseTable,
} from '../lambdas/shared/core/warehouse-catalogue';
import { readParquetRows } from '../lambdas/shared/parquet';
import { parseDate, parseDecimal, parseTime } from '../lambdas/shared/core/value-codecs';
import type { ObjectStore } from '../lambdas/shared/ports/object-store';

export interface Baseline {
  readonly rows: number;
  readonly seconds: number;
}

const since = (started: number) => (performance.now() - started) / 1000;

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * `COPY (SELECT * …) TO STDOUT` of a landed table's window; with `json`, the form the ingest read
 * before its JSON was built in the function (PostgreSQL builds the JSON; still its form for a
 * drifted table).
 */
export function copyToSql(entry: LandingManifest['tables'][number], json: boolean): string {
  // A capped or continued backfill batch read only part of its window, between cursors.
  const window = {
    from: entry.from ?? undefined,
    to: entry.to,
    after: entry.after,
    upTo: entry.upTo,
  };
  const table = SOURCE_TABLES[entry.table];
  return json
    ? sqlJsonCopy(table, window, false)
    : `COPY (SELECT * FROM ${quoteIdent(entry.table)} t WHERE ${windowCondition(table, window)}) TO STDOUT`;
}

/**
 * {@link copyToSql} of each landed table's window, drained and discarded, with the same number of
 * connections at once as the ingest stage (4).
 */
export async function copyToBaseline(
  url: string,
  manifest: LandingManifest,
  json = false,
): Promise<Baseline> {
  const tables = manifest.tables.filter((t) => t.rows > 0);
  const queue = [...tables];
  let rows = 0;
  const started = performance.now();
  const worker = () =>
    withClient(url, async (client) => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        await pipeline(
          client.query(copyTo(copyToSql(entry, json))),
          new Writable({ write: (_chunk, _encoding, done) => done() }),
        );
        rows += entry.rows;
      }
    });
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { rows, seconds: since(started) };
}

/** The processed files' rows as COPY text files (untimed), one per table. */
export async function stageCopyFiles(
  store: ObjectStore,
  manifest: ProcessedManifest,
  workDir: string,
): Promise<{ table: WarehouseTable; path: string; rows: number }[]> {
  const files: { table: WarehouseTable; path: string; rows: number }[] = [];
  for (const entry of manifest.tables) {
    const table = warehouseTable(entry.table);
    if (!table) continue;
    const parquetPath = `${workDir}/${table.name}.parquet`;
    await pipeline(await store.stream(entry.key), createWriteStream(parquetPath));
    const path = `${workDir}/${table.name}.copy`;
    const out = createWriteStream(path);
    const columns = stagedColumns(table);
    let rows = 0;
    for await (const group of readParquetRows(parquetPath, table)) {
      rows += group.length;
      if (!out.write(toCopyText(group, columns))) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    await rm(parquetPath);
    files.push({ table, path, rows });
  }
  return files;
}

/** Seconds that a raw `COPY … FROM STDIN` of a COPY text file of `table` into `target` takes. */
async function timedCopyFrom(
  client: Client,
  path: string,
  target: string,
  table: WarehouseTable,
): Promise<number> {
  const columns = stagedColumns(table).map(quoteIdent).join(', ');
  const started = performance.now();
  await pipeline(
    createReadStream(path),
    client.query(copyFrom(`COPY ${target} (${columns}) FROM STDIN`)),
  );
  return since(started);
}

/**
 * Raw `COPY … FROM STDIN` of the same rows, from a local file, into an empty copy of each table
 * with its keys and indexes (`LIKE … INCLUDING ALL`; LIKE cannot copy foreign keys). A copy
 * without its keys would measure a table no warehouse has: DESIGN.md's raw-COPY figure is for a
 * table with its primary key too.
 */
export async function copyFromBaseline(
  url: string,
  files: readonly { table: WarehouseTable; path: string; rows: number }[],
): Promise<Baseline> {
  return withClient(url, async (client) => {
    let rows = 0;
    let seconds = 0;
    for (const { table, path, rows: n } of files) {
      const copy = quoteIdent(`bench_copy_${table.name}`);
      await client.query(`DROP TABLE IF EXISTS ${copy}`);
      await client.query(`CREATE TABLE ${copy} (LIKE ${quoteIdent(table.name)} INCLUDING ALL)`);
      seconds += await timedCopyFrom(client, path, copy, table);
      rows += n;
      await client.query(`DROP TABLE ${copy}`);
    }
    return { rows, seconds };
  });
}

/**
 * Raw `COPY … FROM STDIN` of a batch's rows for the fact tables that already hold rows, into
 * those tables themselves as the load is about to find them, with all their indexes and no
 * foreign-key triggers (the load's path into a filled table drops the keys and checks the batch
 * once per key): what PostgreSQL alone takes to add these rows, the bound of that path. Not for
 * a table that already holds one of the batch's versions (a re-read); run before the batch's
 * load. Each COPY is rolled back and the table vacuumed, untimed, so the load meets the tables
 * as they were. Needs a superuser (`session_replication_role`), as the local stack's is.
 */
export async function copyIntoFilledBaseline(
  url: string,
  files: readonly { table: WarehouseTable; path: string; rows: number }[],
): Promise<Baseline | undefined> {
  return withClient(url, async (client) => {
    let rows = 0;
    let seconds = 0;
    for (const { table, path, rows: n } of files) {
      if (table.kind !== 'fact' || n === 0) continue;
      const name = quoteIdent(table.name);
      const held = await client.query(`SELECT EXISTS (SELECT FROM ${name}) AS filled`);
      if (held.rows[0]?.filled !== true) continue;
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL session_replication_role = replica');
        seconds += await timedCopyFrom(client, path, name, table);
        rows += n;
      } catch (error) {
        // Versions the table already holds (a re-read overlap): the load takes its staging path
        // for these, and a raw COPY cannot take them at all, so the table goes unmeasured.
        if (pgCode(error) !== PG.uniqueViolation) throw error;
      } finally {
        await client.query('ROLLBACK');
      }
      await client.query(`VACUUM ${name}`);
    }
    return rows > 0 ? { rows, seconds } : undefined;
  });
}

/**
 * A naive loader: one autocommitted `INSERT … ON CONFLICT DO NOTHING` per row into an empty
 * copy of fact_sales_order with its keys and indexes (no foreign keys: kinder to the loop).
 */
export async function rowByRowBaseline(url: string, sampleRows: number): Promise<Baseline> {
  return withClient(url, async (client) => {
    const table = FACTS.fact_sales_order;
    const columns = stagedColumns(table);
    const sample = await client.query<WarehouseRow>({
      text: `SELECT ${columns.map(quoteIdent).join(', ')} FROM fact_sales_order LIMIT ${sampleRows}`,
      types: { getTypeParser: () => (value: string) => value },
    });
    const copy = 'bench_row_by_row';
    await client.query(`DROP TABLE IF EXISTS ${copy}`);
    await client.query(`CREATE TABLE ${copy} (LIKE fact_sales_order INCLUDING ALL)`);
    const params = columns.map((_, i) => `$${i + 1}`).join(', ');
    const conflict = [table.sourceId, ...table.versionColumns].map(quoteIdent).join(', ');
    const sql = `INSERT INTO ${copy} (${columns.map(quoteIdent).join(', ')}) VALUES (${params}) ON CONFLICT (${conflict}) DO NOTHING`;
    const started = performance.now();
    for (const row of sample.rows) {
      await client.query({ name: 'bench-row', text: sql, values: columns.map((c) => row[c]) });
    }
    const seconds = since(started);
    await client.query(`DROP TABLE ${copy}`);
    return { rows: sample.rows.length, seconds };
  });
}

/** The processed fact_sales_order rows (a sample) written again with parquetjs-lite. */
export async function parquetjsBaseline(
  store: ObjectStore,
  manifest: ProcessedManifest,
  workDir: string,
  sampleRows: number,
): Promise<Baseline | undefined> {
  const entry = manifest.tables.find((t) => t.table === 'fact_sales_order');
  if (!entry) return undefined;
  const source = `${workDir}/sample.parquet`;
  await pipeline(await store.stream(entry.key), createWriteStream(source));
  const rows: WarehouseRow[] = [];
  for await (const group of readParquetRows(source, FACTS.fact_sales_order)) {
    for (const row of group) if (rows.length < sampleRows) rows.push(row);
    if (rows.length >= sampleRows) break;
  }
  await rm(source);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parquet = require('parquetjs-lite') as ParquetJs;
  const snappy = { compression: 'SNAPPY' };
  const int32 = { type: 'INT32', ...snappy };
  const date = { type: 'DATE', ...snappy };
  // Microseconds since midnight, as our TIME(MICROS): parquetjs-lite's TIME_MICROS throws on
  // every value (isNaN of a BigInt), so the bare INT64 it would write.
  const time = { type: 'INT64', ...snappy };
  const schema = new parquet.ParquetSchema({
    sales_order_id: int32,
    created_date: date,
    created_time: time,
    last_updated_date: date,
    last_updated_time: time,
    sales_staff_id: int32,
    counterparty_id: int32,
    units_sold: int32,
    // parquetjs-lite has no DECIMAL: the unscaled INT64, as our file stores it.
    unit_price: { type: 'INT64', ...snappy },
    currency_id: int32,
    design_id: int32,
    agreed_payment_date: date,
    agreed_delivery_date: date,
    agreed_delivery_location_id: int32,
  });
  const path = `${workDir}/parquetjs.parquet`;
  const started = performance.now();
  const writer = await parquet.ParquetWriter.openFile(schema, path);
  writer.setRowGroupSize(50_000);
  for (const r of rows) {
    await writer.appendRow({
      ...r,
      created_date: parseDate(r.created_date as string),
      created_time: parseTime(r.created_time as string),
      last_updated_date: parseDate(r.last_updated_date as string),
      last_updated_time: parseTime(r.last_updated_time as string),
      unit_price: parseDecimal(r.unit_price as string),
      agreed_payment_date: parseDate(r.agreed_payment_date as string),
      agreed_delivery_date: parseDate(r.agreed_delivery_date as string),
    });
  }
  await writer.close();
  const seconds = since(started);
  await rm(path);
  return { rows: rows.length, seconds };
}

interface ParquetJs {
  ParquetSchema: new (fields: Record<string, unknown>) => unknown;
  ParquetWriter: {
    openFile(
      schema: unknown,
      path: string,
    ): Promise<{
      setRowGroupSize(rows: number): void;
      appendRow(row: Record<string, unknown>): Promise<void>;
      close(): Promise<void>;
    }>;
  };
}
