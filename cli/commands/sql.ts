import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Client, type QueryArrayResult } from 'pg';
import { localServers, type LocalServers } from '../environment';
import { requirePostgresUrl } from '../postgres-url';
import { readSettings, UsageError } from '../settings';
import { formatTable } from '../table-format';

export interface SqlCommandOptions {
  readonly warehouse?: boolean;
  readonly source?: boolean;
  readonly url?: boolean;
  readonly psql?: boolean;
  readonly json?: boolean;
}

/** One statement's answer, as `sql --json` prints it. */
interface StatementResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly columns: string[];
  readonly rows: Record<string, unknown>[];
}

/** The full path of `command` on PATH, if it is there. */
export function onPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** A URL with its password as `***`: what may be shown of a URL the operator set. */
const withoutPassword = (url: string) => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
};

// Timestamps as ISO text, as the pipeline writes them; everything else as pg gives it.
const plain = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

function statement(result: QueryArrayResult): StatementResult {
  const columns = result.fields.map((f) => f.name);
  return {
    command: result.command,
    rowCount: result.rowCount,
    columns,
    rows: result.rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, plain(row[i])]))),
  };
}

function statementText(result: StatementResult): string {
  if (result.columns.length === 0) return `${result.command} ${result.rowCount ?? ''}`.trim();
  const rows = result.rows.map((row) => result.columns.map((c) => row[c]));
  const count = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return `${formatTable(result.columns, rows)}\n${count}`;
}

async function query(url: string, label: string, text: string): Promise<StatementResult[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // The simple protocol: several statements in one QUERY each answer.
    const answer = (await client.query({ text, rowMode: 'array' })) as
      QueryArrayResult | QueryArrayResult[];
    return (Array.isArray(answer) ? answer : [answer]).map(statement);
  } catch (error) {
    throw new Error(`the ${label} database refused the query: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.end();
  }
}

/** psql on `url` with the terminal, the password passed in the environment rather than argv. */
function openPsql(psql: string, url: string): Promise<number> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  // Ctrl-C belongs to psql (it cancels a query) while it runs, not to this process.
  const listeners = process.rawListeners('SIGINT') as NodeJS.SignalsListener[];
  process.removeAllListeners('SIGINT');
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  return new Promise<number>((resolve, reject) => {
    const child = spawn(psql, [parsed.toString()], {
      stdio: 'inherit',
      env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  }).finally(() => {
    process.off('SIGINT', ignore);
    for (const listener of listeners) process.on('SIGINT', listener);
  });
}

/** Keeps the process, and so the embedded servers, up until Ctrl-C (whose handlers stop them). */
const untilInterrupted = () => new Promise<never>(() => setInterval(() => undefined, 60_000));

/**
 * `deliverance sql [--source|--warehouse] (QUERY | --url | --psql) [--json]`: a query's
 * answer as a table (or JSON), the connection URL, or psql, on the local warehouse (default) or
 * source. The embedded PostgreSQL of the state folder is started for it and stopped after, or
 * the servers of the command holding the folder are used; a folder without one is refused
 * (sql creates no state).
 */
export async function sqlCommand(
  options: SqlCommandOptions,
  text: string | undefined,
): Promise<number> {
  if (text === undefined && !options.url && !options.psql) {
    throw new UsageError(
      'sql needs a QUERY, --url or --psql: deliverance sql "select count(*) from fact_sales_order"',
    );
  }
  const psql = options.psql ? onPath('psql') : undefined;
  if (options.psql && !psql) {
    throw new Error(
      'psql is not on PATH: install the PostgreSQL client (apt install postgresql-client, brew install libpq), or query with deliverance sql "QUERY"',
    );
  }
  const settings = readSettings();
  const [label, database, setting, configured] = options.source
    ? (['source', 'totesys', 'DELIVERANCE_SOURCE_URL', settings.sourceUrl] as const)
    : (['warehouse', 'warehouse', 'DELIVERANCE_WAREHOUSE_URL', settings.warehouseUrl] as const);
  requirePostgresUrl(setting, configured);
  let local: LocalServers | undefined;
  if (configured === undefined) {
    local = await localServers(settings, { s3: false, command: 'sql', readOnly: true });
  }
  try {
    const url = configured ?? local?.servers?.postgres?.url(database);
    if (!url) throw new Error('The embedded PostgreSQL did not start');
    if (options.url) {
      console.log(configured ? withoutPassword(url) : url);
      if (configured) {
        console.error(`(the password is in ${setting})`);
        return 0;
      }
      if (!local?.stack) {
        console.error('(the server lives as long as the command holding the state folder)');
        return 0;
      }
      console.error(`the ${label} database is up until Ctrl-C`);
      return await untilInterrupted();
    }
    if (psql) return await openPsql(psql, url);
    const results = await query(url, label, text ?? '');
    if (options.json) {
      console.log(
        JSON.stringify(
          {
            database: label,
            ...(configured ? {} : { stateDir: settings.stateDir }),
            results,
          },
          null,
          2,
        ),
      );
    } else {
      console.log(results.map(statementText).join('\n\n'));
    }
    return 0;
  } finally {
    await local?.release();
  }
}
