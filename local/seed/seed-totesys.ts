import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  SOURCE_TABLE_NAMES,
  SOURCE_TABLES,
  quoteIdent,
  type SourceTableName,
} from '../../lambdas/shared/core/catalogue';
import { copyTextStream } from './copy-text';
import type { SeedRow } from './row';
import { generateTotesys } from './rows';
import { hearConnectionDrops } from '../../lambdas/shared/adapters/database-pool';

export interface SeedOptions {
  /** Rows scale linearly: scale 1 ≈ 10,000 sales orders. Fractions are allowed. */
  readonly scale: number;
  readonly log?: (line: string) => void;
  /** Hears each table as it starts and as it ends; without it, `log` gets a line per table. */
  readonly progress?: {
    at(table: SourceTableName): void;
    table(table: SourceTableName, rows: number): void;
  };
}

export interface SeedSummary {
  readonly rows: Readonly<Record<SourceTableName, number>>;
  readonly seconds: number;
}

/** Parents before children, so every foreign key points at rows already loaded. */
export const SEED_ORDER: readonly SourceTableName[] = SOURCE_TABLE_NAMES;

export const TOTESYS_SCHEMA_PATH = join(__dirname, '..', '..', 'sql', 'totesys', 'schema.sql');

const seconds = (sinceMs: number): number => Math.round((Date.now() - sinceMs) / 10) / 100;

function where(client: Client): string {
  return `${client.host}:${client.port}/${client.database ?? ''}`;
}

/** Creates the schema if there is none; refuses a database that already holds data. */
async function ensureEmptySchema(client: Client, log: (line: string) => void): Promise<void> {
  const found = await client.query<{ present: boolean }>(
    "SELECT to_regclass('address') IS NOT NULL AS present",
  );
  if (!found.rows[0]?.present) {
    log(`seed: creating the totesys schema at ${where(client)}`);
    await client.query(await readFile(TOTESYS_SCHEMA_PATH, 'utf8'));
    return;
  }
  const orders = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${quoteIdent('sales_order')}`,
  );
  const n = Number(orders.rows[0]?.n ?? 0);
  if (n > 0) {
    throw new Error(
      `totesys at ${where(client)} already has ${n} sales orders; seed an empty database`,
    );
  }
  for (const table of SEED_ORDER) {
    const any = await client.query(`SELECT 1 FROM ${quoteIdent(table)} LIMIT 1`);
    if ((any.rowCount ?? 0) > 0) {
      throw new Error(
        `totesys at ${where(client)} already has rows in ${table}; seed an empty database`,
      );
    }
  }
}

async function copyTable(
  client: Client,
  table: SourceTableName,
  rows: Iterable<SeedRow>,
): Promise<number> {
  const columns = SOURCE_TABLES[table].columns;
  const columnList = columns.map((c) => quoteIdent(c.name)).join(', ');
  const counter = { rows: 0 };
  const sink = client.query(copyFrom(`COPY ${quoteIdent(table)} (${columnList}) FROM STDIN`));
  await pipeline(copyTextStream(rows, columns, counter), sink);
  return counter.rows;
}

/** Moves each serial past the ids COPY wrote, so the application's next insert gets a new id. */
async function resetSequence(client: Client, table: SourceTableName): Promise<void> {
  const key = SOURCE_TABLES[table].primaryKey;
  await client.query(
    `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(max(${quoteIdent(key)}), 1),
            max(${quoteIdent(key)}) IS NOT NULL)
       FROM ${quoteIdent(table)}`,
    [quoteIdent(table), key],
  );
}

/**
 * Fills an empty totesys database with deterministic generated data: the same scale gives the
 * same bytes on every run. Creates the schema from sql/totesys/schema.sql if it is missing, and
 * streams every table through COPY in one transaction (a failed seed leaves nothing behind).
 *
 * @param connectionString - PostgreSQL URL of the totesys database.
 * @param options - `scale` (1 ≈ 10,000 sales orders; fractional allowed) and an optional
 *   line logger.
 * @returns Rows written per table and the elapsed seconds.
 * @throws If the database already holds totesys rows, or any statement fails.
 */
export async function seedTotesys(
  connectionString: string,
  options: SeedOptions,
): Promise<SeedSummary> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const data = generateTotesys(options.scale);
  const client = new Client({ connectionString });
  hearConnectionDrops(client);
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await ensureEmptySchema(client, log);
      const rows = {} as Record<SourceTableName, number>;
      for (const table of SEED_ORDER) {
        const tableStarted = Date.now();
        options.progress?.at(table);
        rows[table] = await copyTable(client, table, data.rows(table));
        await resetSequence(client, table);
        // Statistics now, inside the transaction: the foreign-key checks of the next (child)
        // table plan against them, and without them a million-row load runs twice as long.
        await client.query(`ANALYZE ${quoteIdent(table)}`);
        if (options.progress) options.progress.table(table, rows[table]);
        else log(`seed: ${table} ${rows[table]} rows in ${seconds(tableStarted)} s`);
      }
      await client.query('COMMIT');
      const summary = { rows, seconds: seconds(started) };
      if (!options.progress) log(`seed: scale ${options.scale} done in ${summary.seconds} s`);
      return summary;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}
