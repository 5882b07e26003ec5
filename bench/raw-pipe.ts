/**
 * The whole initial load's yardstick: every source table piped raw from the source to an indexed
 * copy in the warehouse database, `COPY (SELECT * FROM t) TO STDOUT | COPY raw_pipe.t FROM
 * STDIN`, one table after the other on one connection at each end, as `pg_dump | psql` would.
 * Same rows, same server, nothing of the pipeline's work: no JSON, no files, no Parquet, no
 * star schema, no run records.
 */
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { SOURCE_TABLES } from '../contract/pipeline-tables';
import { quoteIdent } from '../lambdas/shared/core/catalogue';

export interface RawPipe {
  readonly rows: number;
  readonly seconds: number;
  /** CPU seconds of this process piping the bytes (the client side of both COPYs). */
  readonly clientCpuSeconds: number;
}

const SCHEMA = 'raw_pipe';

async function connected(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** The source's enum types, to be made in the target before the tables that use them. */
async function enumDefinitions(source: Client): Promise<string[]> {
  const enums = await source.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' GROUP BY t.typname`,
  );
  return enums.rows.map(
    ({ name, labels }) =>
      `CREATE TYPE ${SCHEMA}.${quoteIdent(name)} AS ENUM (${labels.map((l) => `'${l.replaceAll("'", "''")}'`).join(', ')})`,
  );
}

/**
 * The target's DDL for source table `table`: its columns with their types, then each of its
 * indexes (its primary key's among them) on the copy. Untimed.
 */
async function copyDefinition(source: Client, table: string): Promise<string[]> {
  const columns = await source.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
     WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  const indexes = await source.query<{ definition: string }>(
    `SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = $1::regclass`,
    [table],
  );
  const name = `${SCHEMA}.${quoteIdent(table)}`;
  return [
    `CREATE TABLE ${name} (${columns.rows.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
    ...indexes.rows.map((i) =>
      i.definition.replace(/ ON (ONLY )?\S+ USING /, ` ON ${name} USING `),
    ),
  ];
}

/**
 * Pipes every source table into an empty indexed copy under schema raw_pipe of `targetUrl`,
 * timed from the first COPY to the last row committed; the schema is dropped afterwards.
 */
export async function rawPipeBaseline(sourceUrl: string, targetUrl: string): Promise<RawPipe> {
  const source = await connected(sourceUrl);
  const target = await connected(targetUrl);
  try {
    await target.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await target.query(`CREATE SCHEMA ${SCHEMA}`);
    // The source's types by their bare names (format_type's), made in the copy's schema.
    await target.query(`SET search_path = ${SCHEMA}, public`);
    for (const statement of await enumDefinitions(source)) await target.query(statement);
    for (const table of SOURCE_TABLES) {
      for (const statement of await copyDefinition(source, table)) await target.query(statement);
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    let rows = 0;
    await target.query('BEGIN');
    for (const table of SOURCE_TABLES) {
      const into = target.query(copyFrom(`COPY ${SCHEMA}.${quoteIdent(table)} FROM STDIN`));
      await pipeline(
        source.query(copyTo(`COPY (SELECT * FROM ${quoteIdent(table)}) TO STDOUT`)),
        into,
      );
      rows += Number(into.rowCount ?? 0);
    }
    await target.query('COMMIT');
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { rows, seconds, clientCpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await target.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    await Promise.all([source.end(), target.end()]);
  }
}
