/**
 * The warehouse schema runner: numbered migrations (sql/warehouse/NNNN_name.sql), applied once
 * each and never edited, then the analyst views (sql/views/<view>.sql), re-created whenever
 * they may be stale. The deploy runs it (lambdas/load/warehouse-preparation.ts) before anything
 * reads the warehouse, and every load Lambda again before loading, which finds nothing to do.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientBase } from 'pg';
import { pgCode } from '../shared/adapters/postgres-codes';
import { ConfigurationError, InvariantError, TransientError } from '../shared/core/pipeline-error';
import { lockForTransaction, MIGRATION_LOCK } from './advisory-lock';

/** One numbered migration file. */
export interface Migration {
  /** The four-digit prefix, e.g. '0001'; the order of application. */
  readonly version: string;
  /** The file name, e.g. '0001_star_schema.sql', used in error messages. */
  readonly file: string;
  readonly sql: string;
}

/** One analyst view file: `sql/views/<name>.sql` creating `analytics.<name>`. */
export interface ViewDefinition {
  readonly name: string;
  readonly file: string;
  readonly sql: string;
}

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;
const VIEW_FILE = /^([a-z][a-z0-9_]*)\.sql$/;
const VIEW_SCHEMA = 'analytics';

/**
 * The checksum recorded for an applied file. Line endings are normalised first so that a
 * checkout with CRLF endings does not look like an edited migration.
 */
export function sqlChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/**
 * The folder `sql/` is in: the deployment package in Lambda, which sets `LAMBDA_TASK_ROOT` to
 * it (the load bundle carries sql/warehouse and sql/views), else the repository.
 */
function sqlRoot(): string {
  return process.env.LAMBDA_TASK_ROOT || path.join(__dirname, '../..');
}

/** `MIGRATIONS_DIR` when set, else sql/warehouse of the package or repository. */
export function defaultMigrationsDir(): string {
  return process.env.MIGRATIONS_DIR || path.join(sqlRoot(), 'sql', 'warehouse');
}

/**
 * `VIEWS_DIR` when set; else `views` beside `MIGRATIONS_DIR` when that is set (a bundle that ships
 * sql/warehouse ships sql/views next to it); else the repository's sql/views.
 */
export function defaultViewsDir(): string {
  if (process.env.VIEWS_DIR) return process.env.VIEWS_DIR;
  if (process.env.MIGRATIONS_DIR) return path.join(process.env.MIGRATIONS_DIR, '..', 'views');
  return path.join(sqlRoot(), 'sql', 'views');
}

/**
 * Reads the `NNNN_name.sql` files of `dir`, sorted by version. Other files are ignored, but a
 * `.sql` file that does not follow the naming rule, or two files with one version, is an error:
 * either would otherwise be skipped or applied in an arbitrary order without anyone noticing.
 */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const files = await sqlFiles(dir, 'MIGRATIONS_DIR');
  const migrations: Migration[] = [];
  for (const file of files) {
    const version = MIGRATION_FILE.exec(file)?.[1];
    if (version === undefined) {
      throw new InvariantError(
        `Migration file ${path.join(dir, file)} is not named NNNN_name.sql (lower case); rename it.`,
      );
    }
    const clash = migrations.find((m) => m.version === version);
    if (clash) {
      throw new InvariantError(
        `Migrations ${clash.file} and ${file} in ${dir} share version ${version}; renumber one.`,
      );
    }
    migrations.push({ version, file, sql: await readFile(path.join(dir, file), 'utf8') });
  }
  return migrations;
}

/**
 * Reads the `<name>.sql` files of `dir`; each must create `analytics.<name>` with
 * CREATE OR REPLACE VIEW, because the runner re-runs them and names them by file.
 */
export async function readViews(dir: string): Promise<ViewDefinition[]> {
  const files = await sqlFiles(dir, 'VIEWS_DIR');
  const views: ViewDefinition[] = [];
  for (const file of files) {
    const name = VIEW_FILE.exec(file)?.[1];
    if (name === undefined) {
      throw new InvariantError(
        `View file ${path.join(dir, file)} is not named <view_name>.sql; rename it.`,
      );
    }
    const sql = await readFile(path.join(dir, file), 'utf8');
    const creates = new RegExp(
      `create\\s+or\\s+replace\\s+view\\s+${VIEW_SCHEMA}\\.${name}\\b`,
      'i',
    );
    if (!creates.test(stripComments(sql))) {
      throw new InvariantError(
        `View file ${path.join(dir, file)} must contain CREATE OR REPLACE VIEW ${VIEW_SCHEMA}.${name}.`,
      );
    }
    views.push({ name, file, sql });
  }
  return views;
}

/** A missing folder usually means a deployment package built without it: say which setting. */
async function sqlFiles(dir: string, setting: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError(
      `Cannot read SQL files from ${dir} (set ${setting}?): ${message}`,
      {
        cause: error,
      },
    );
  }
  return entries.filter((f) => f.endsWith('.sql')).sort();
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

/**
 * Orders views so that each comes after the views it reads (found as `analytics.<name>` in its
 * SQL), since CREATE VIEW fails on a view that does not exist yet.
 */
export function orderViews(views: readonly ViewDefinition[]): ViewDefinition[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const ordered: ViewDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (view: ViewDefinition, trail: readonly string[]): void => {
    const seen = state.get(view.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new InvariantError(
        `Views depend on each other in a cycle: ${[...trail, view.name].join(' → ')}`,
      );
    }
    state.set(view.name, 'visiting');
    const reference = new RegExp(`\\b${VIEW_SCHEMA}\\.([a-z0-9_]+)\\b`, 'gi');
    for (const match of stripComments(view.sql).matchAll(reference)) {
      const dependency = byName.get((match[1] ?? '').toLowerCase());
      if (dependency && dependency !== view) visit(dependency, [...trail, view.name]);
    }
    state.set(view.name, 'done');
    ordered.push(view);
  };
  for (const view of [...views].sort((a, b) => a.name.localeCompare(b.name))) visit(view, []);
  return ordered;
}

/**
 * Brings the warehouse schema up to date, in one transaction: applies each migration whose
 * version is not recorded in `etl.schema_migrations` (in version order), then re-creates the
 * views when any migration was applied, any view is new or changed (by checksum, recorded in
 * `etl.schema_views`), or any view is missing from the database.
 *
 * Views are re-created after every applied migration, not just when their own file changed,
 * because a migration may have dropped a view (DROP ... CASCADE) it needed to alter a table.
 *
 * A transaction-scoped advisory lock serialises concurrent callers (load Lambdas starting
 * together): the second waits, then finds everything applied. A failure rolls everything back,
 * so the schema is never left half-migrated.
 *
 * @throws when an applied migration's file has changed (its checksum differs), naming the file;
 *   or when a migration or view fails, naming the file and carrying the PostgreSQL error as cause.
 * @returns the versions of the migrations applied, then `view:<name>` for each view re-created;
 *   empty when the schema was already current.
 */
export async function migrate(
  client: ClientBase,
  migrations: readonly Migration[],
  views: readonly ViewDefinition[] = [],
): Promise<string[]> {
  await client.query('BEGIN');
  try {
    const applied = await migrateInTransaction(client, migrations, views);
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Reads the migrations and views from their default folders (see {@link defaultMigrationsDir}
 * and {@link defaultViewsDir}) and applies them with {@link migrate}.
 */
export async function migrateWarehouse(client: ClientBase): Promise<string[]> {
  const [migrations, views] = await Promise.all([
    readMigrations(defaultMigrationsDir()),
    readViews(defaultViewsDir()),
  ]);
  return migrate(client, migrations, views);
}

async function migrateInTransaction(
  client: ClientBase,
  migrations: readonly Migration[],
  views: readonly ViewDefinition[],
): Promise<string[]> {
  // Taken before anything else: even CREATE SCHEMA IF NOT EXISTS fails with a unique violation
  // when two sessions run it at once.
  await lockForTransaction(client, MIGRATION_LOCK);
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS etl;
    CREATE TABLE IF NOT EXISTS etl.schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now(),
      checksum text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS etl.schema_views (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now(),
      checksum text NOT NULL
    );
  `);

  const recorded = await client.query<{ version: string; checksum: string }>(
    'SELECT version, checksum FROM etl.schema_migrations',
  );
  const pending = pendingMigrations(
    migrations,
    new Map(recorded.rows.map((r) => [r.version, r.checksum])),
  );

  const applied: string[] = [];
  for (const migration of pending) {
    await runFile(client, `Migration ${migration.file}`, migration.sql);
    await client.query('INSERT INTO etl.schema_migrations (version, checksum) VALUES ($1, $2)', [
      migration.version,
      sqlChecksum(migration.sql),
    ]);
    applied.push(migration.version);
  }

  if (views.length > 0 && (applied.length > 0 || (await viewsStale(client, views)))) {
    for (const view of orderViews(views)) {
      await runFile(client, `View ${view.file}`, view.sql);
      await client.query(
        `INSERT INTO etl.schema_views (name, checksum) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()`,
        [view.name, sqlChecksum(view.sql)],
      );
      applied.push(`view:${view.name}`);
    }
  }
  return applied;
}

/**
 * The migrations not yet applied, in version order, given the checksum recorded for each
 * version applied (`etl.schema_migrations`). Versions recorded but absent from `migrations`
 * are left alone: an older Lambda version still running after a deploy must keep working
 * against the newer schema.
 *
 * @throws {InvariantError} naming the file, when an applied migration's file has changed.
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  recorded: ReadonlyMap<string, string>,
): Migration[] {
  const pending: Migration[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version.localeCompare(b.version))) {
    const checksum = recorded.get(migration.version);
    if (checksum === undefined) pending.push(migration);
    else if (checksum !== sqlChecksum(migration.sql)) {
      throw new InvariantError(
        `Migration ${migration.file} was changed after it was applied (checksum differs from ` +
          `etl.schema_migrations); restore the file and put the change in a new migration.`,
      );
    }
  }
  return pending;
}

/** True when a view is new, changed since it was last created, or no longer in the database. */
async function viewsStale(client: ClientBase, views: readonly ViewDefinition[]): Promise<boolean> {
  const result = await client.query<{ name: string; checksum: string | null; present: boolean }>(
    `SELECT v.name, s.checksum, to_regclass(format('%I.%I', $2::text, v.name)) IS NOT NULL AS present
       FROM unnest($1::text[]) AS v (name)
       LEFT JOIN etl.schema_views s ON s.name = v.name`,
    [views.map((v) => v.name), VIEW_SCHEMA],
  );
  const checksums = new Map(views.map((v) => [v.name, sqlChecksum(v.sql)]));
  return result.rows.some((r) => !r.present || r.checksum !== checksums.get(r.name));
}

async function runFile(client: ClientBase, what: string, sql: string): Promise<void> {
  try {
    // No parameters: the simple query protocol runs a file of several statements as it is.
    await client.query(sql);
  } catch (error) {
    throw migrationFailure(what, error);
  }
}

/**
 * The error for a migration or view file `what` that PostgreSQL refused: fatal when the file
 * itself is wrong (see SQL_FAULT_CLASSES), transient when the next attempt may pass.
 */
export function migrationFailure(what: string, error: unknown): InvariantError | TransientError {
  const message = error instanceof Error ? error.message : String(error);
  const Fault = isFaultOfTheSql(error) ? InvariantError : TransientError;
  return new Fault(`${what} failed: ${message}`, { cause: error });
}

/**
 * SQLSTATE classes that say the file itself is wrong (a syntax error, a missing object, a
 * constraint its data breaks, a feature the server lacks): the same file fails the same way.
 * Anything else (a lock wait, a session ended, a connection lost) may pass on the next attempt.
 */
const SQL_FAULT_CLASSES = new Set(['0A', '22', '23', '42']);

function isFaultOfTheSql(error: unknown): boolean {
  return SQL_FAULT_CLASSES.has(pgCode(error)?.slice(0, 2) ?? '');
}
