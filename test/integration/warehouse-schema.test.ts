import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  DIMENSIONS,
  FACTS,
  WAREHOUSE_TABLES,
  warehouseTable,
  type WarehouseColumnType,
} from '../../lambdas/shared/core/warehouse-catalogue';
import {
  defaultMigrationsDir,
  defaultViewsDir,
  migrate,
  orderViews,
  readMigrations,
  readViews,
  type Migration,
} from '../../lambdas/load/migrations';
import { DELETED_KEYS_REACH, SOURCE_DELETED_AT } from '../../contract/source-deletes';
import type { LocalPostgres } from '../../local/embedded-postgres';
import { startSeededPostgres } from '../support/postgres-template';

/** How information_schema describes each catalogue type, as the migration must declare it. */
const SQL_TYPE: Record<WarehouseColumnType, string> = {
  integer: 'integer',
  text: 'text',
  decimal: 'numeric(10,2)',
  date: 'date',
  time: 'time without time zone(6)',
  boolean: 'boolean',
};

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
  datetime_precision: number | null;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

function sqlType(row: ColumnRow): string {
  if (row.data_type === 'numeric') return `numeric(${row.numeric_precision},${row.numeric_scale})`;
  if (row.data_type.startsWith('time')) return `${row.data_type}(${row.datetime_precision})`;
  return row.data_type;
}

/**
 * Every foreign key the catalogue declares, as the migrations must create it: `table.column ->
 * dimension.key`. (test/unit/contract/catalogue.test.ts holds the migrations' text to the same
 * list; this holds the constraints PostgreSQL actually has.)
 */
const EXPECTED_FOREIGN_KEYS: readonly string[] = WAREHOUSE_TABLES.flatMap((table) =>
  Object.entries(table.references).map(([column, target]) => {
    const dimension = warehouseTable(target);
    if (dimension?.kind !== 'dimension') throw new Error(`${target} is no catalogue dimension`);
    return `${table.name}.${column} -> ${target}.${dimension.key}`;
  }),
);

/** The repository's migration files, as listed in their folder: `0001_star_schema.sql`, … */
const MIGRATION_FILES = readdirSync(defaultMigrationsDir())
  .filter((file) => file.endsWith('.sql'))
  .sort();
const MIGRATION_VERSIONS = MIGRATION_FILES.map((file) => file.slice(0, 4));

let folder: string;
let pg: LocalPostgres;
let migrations: Migration[];

async function connect(database: string): Promise<Client> {
  await pg.createDatabase(database);
  const client = new Client({ connectionString: pg.url(database) });
  await client.connect();
  return client;
}

async function withClient<T>(database: string, f: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(database);
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'dlv-'));
  pg = await startSeededPostgres(folder);
  migrations = await readMigrations(defaultMigrationsDir());
});

afterAll(async () => {
  await pg?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('readMigrations', () => {
  it('reads the repository migrations in version order', () => {
    expect(MIGRATION_FILES.slice(0, 5)).toEqual([
      '0001_star_schema.sql',
      '0002_analytics_schema.sql',
      '0003_microsecond_times.sql',
      '0004_analyst_role.sql',
      '0005_dimension_batch.sql',
    ]);
    expect(migrations.map((m) => m.file)).toEqual(MIGRATION_FILES);
  });

  it('sorts by version, ignores non-SQL files and refuses badly named or clashing files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlv-migrations-'));
    try {
      await writeFile(path.join(dir, '0002_second.sql'), 'SELECT 2;');
      await writeFile(path.join(dir, '0001_first.sql'), 'SELECT 1;');
      await writeFile(path.join(dir, 'README.md'), 'notes');
      expect((await readMigrations(dir)).map((m) => m.version)).toEqual(['0001', '0002']);

      await writeFile(path.join(dir, '0002_again.sql'), 'SELECT 2;');
      await expect(readMigrations(dir)).rejects.toThrow(
        /0002_again\.sql.*0002_second\.sql|share version 0002/,
      );
      await rm(path.join(dir, '0002_again.sql'));

      await writeFile(path.join(dir, 'add_things.sql'), 'SELECT 3;');
      await expect(readMigrations(dir)).rejects.toThrow(/add_things\.sql/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('migrate', () => {
  it('applies every migration once; a second run applies nothing', async () => {
    await withClient('warehouse', async (client) => {
      expect(await migrate(client, migrations)).toEqual(MIGRATION_VERSIONS);
      expect(await migrate(client, migrations)).toEqual([]);
      const recorded = await client.query<{ version: string; checksum: string }>(
        'SELECT version, checksum FROM etl.schema_migrations ORDER BY version',
      );
      expect(recorded.rows.map((r) => r.version)).toEqual(MIGRATION_VERSIONS);
      expect(recorded.rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    });
  });

  it('applies only the migrations that are new', async () => {
    await withClient('warehouse', async (client) => {
      const extra = {
        version: '0099',
        file: '0099_extra.sql',
        sql: 'CREATE TABLE etl.extra (x int);',
      };
      expect(await migrate(client, [...migrations, extra])).toEqual(['0099']);
      expect(await migrate(client, [...migrations, extra])).toEqual([]);
      // An older Lambda that does not know 0099 yet keeps working.
      expect(await migrate(client, migrations)).toEqual([]);
    });
  });

  it('refuses, naming the file, when an applied migration was edited', async () => {
    await withClient('warehouse', async (client) => {
      const edited = migrations.map((m) =>
        m.version === '0001' ? { ...m, sql: `${m.sql}\n-- an afterthought\n` } : m,
      );
      await expect(migrate(client, edited)).rejects.toThrow(/0001_star_schema\.sql was changed/);
      // The failed run left the session usable (rolled back).
      expect(await migrate(client, migrations)).toEqual([]);
    });
  });

  it('treats CRLF line endings as the same file', async () => {
    await withClient('warehouse', async (client) => {
      const crlf = migrations.map((m) => ({ ...m, sql: m.sql.replace(/\n/g, '\r\n') }));
      expect(await migrate(client, crlf)).toEqual([]);
    });
  });

  it('widens a warehouse of an earlier release to microseconds, keeping its rows and views', async () => {
    await pg.createDatabase('upgrade');
    await withClient('upgrade', async (client) => {
      const views = await readViews(defaultViewsDir());
      const earlier = migrations.filter((m) => m.version < '0003');
      // The views as that release had them, before a row could be marked deleted (0006).
      const earlierViews = views.map((v) => ({
        ...v,
        sql: v.sql.replace(/\nWHERE f\.source_deleted_at IS NULL;/, ';'),
      }));
      expect(earlierViews.filter((v, i) => v.sql !== views[i]!.sql)).toHaveLength(3);
      await migrate(client, earlier, earlierViews);
      // Foreign keys unchecked: the test needs one fact row, not every dimension it points to.
      await client.query(`SET session_replication_role = replica`);
      await client.query(
        `INSERT INTO dim_design (design_id, design_name, file_location, file_name, source_updated_at)
         VALUES (1, 'Wooden', '/d', 'w.json', '2024-03-01 09:15:02.123');
         INSERT INTO fact_sales_order (sales_order_id, created_date, created_time, last_updated_date,
           last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price, currency_id,
           design_id, agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id)
         SELECT 7, '2024-03-01', '09:15:02.123', '2024-03-01', '09:15:02.123', 1, 1, 2, 3.50, 1, 1,
           '2024-03-01', '2024-03-01', 1`,
      );
      expect(await migrate(client, migrations, views)).toContain('0003');
      const row = await client.query<{ t: string; d: string; n: string }>(
        `SELECT to_char(f.last_updated_time, 'HH24:MI:SS.US') AS t,
                to_char(d.source_updated_at, 'HH24:MI:SS.US') AS d,
                (SELECT count(*)::text FROM analytics.current_sales_order) AS n
         FROM fact_sales_order f CROSS JOIN dim_design d`,
      );
      expect(row.rows).toEqual([{ t: '09:15:02.123000', d: '09:15:02.123000', n: '1' }]);
      await client.query(
        `INSERT INTO fact_sales_order (sales_order_id, created_date, created_time, last_updated_date,
           last_updated_time, sales_staff_id, counterparty_id, units_sold, unit_price, currency_id,
           design_id, agreed_payment_date, agreed_delivery_date, agreed_delivery_location_id)
         SELECT 7, created_date, created_time, last_updated_date, '09:15:02.123456', sales_staff_id,
           counterparty_id, units_sold, unit_price, currency_id, design_id, agreed_payment_date,
           agreed_delivery_date, agreed_delivery_location_id FROM fact_sales_order`,
      );
      const versions = await client.query(
        'SELECT 1 FROM fact_sales_order WHERE sales_order_id = 7',
      );
      expect(versions.rowCount).toBe(2);
    });
  });

  it('rolls the whole run back when a migration fails, naming the file', async () => {
    await withClient('broken', async (client) => {
      const broken = { version: '9999', file: '9999_broken.sql', sql: 'CREATE TABLE oops (;' };
      await expect(migrate(client, [...migrations, broken])).rejects.toThrow(
        /Migration 9999_broken\.sql failed: syntax error/,
      );
      const leftovers = await client.query(
        `SELECT to_regclass('public.dim_date') AS dim, to_regclass('etl.schema_migrations') AS log`,
      );
      expect(leftovers.rows[0]).toEqual({ dim: null, log: null });
    });
  });

  it('lets concurrent runners race: one applies, the others wait and apply nothing', async () => {
    await pg.createDatabase('race');
    const clients = await Promise.all([1, 2, 3].map(() => connect('race')));
    try {
      const views = await readViews(defaultViewsDir());
      const results = await Promise.all(clients.map((c) => migrate(c, migrations, views)));
      const appliers = results.filter((r) => r.length > 0);
      expect(appliers).toHaveLength(1);
      expect(appliers[0]?.slice(0, 3)).toEqual(['0001', '0002', '0003']);
      expect(results.filter((r) => r.length === 0)).toHaveLength(2);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

describe('views', () => {
  it('every view file is read, and helpers come before the views that read them', async () => {
    const views = await readViews(defaultViewsDir());
    const order = orderViews(views).map((v) => v.name);
    expect(new Set(order)).toEqual(new Set(views.map((v) => v.name)));
    // Which view reads which, as PostgreSQL recorded it once they were created, not as a
    // pattern over their text would guess.
    const reads = await withClient('views_order', async (client) => {
      await migrate(client, migrations, views);
      const result = await client.query<{ view: string; helper: string }>(
        `SELECT DISTINCT v.relname AS view, h.relname AS helper
         FROM pg_depend dep
         JOIN pg_rewrite r ON r.oid = dep.objid
         JOIN pg_class v ON v.oid = r.ev_class
         JOIN pg_class h ON h.oid = dep.refobjid
         WHERE dep.classid = 'pg_rewrite'::regclass AND h.relkind = 'v' AND h.oid <> v.oid
           AND h.relnamespace = 'analytics'::regnamespace ORDER BY 1, 2`,
      );
      return result.rows;
    });
    expect(reads).toContainEqual({
      view: 'purchases_vs_sales_by_currency',
      helper: 'current_sales_order',
    });
    expect(reads.filter(({ view, helper }) => order.indexOf(helper) > order.indexOf(view))).toEqual(
      [],
    );
  });

  it('are created with the migrations, then only again when one changed or went missing', async () => {
    await withClient('views_lifecycle', async (client) => {
      const views = await readViews(defaultViewsDir());
      const all = views.map((v) => `view:${v.name}`);
      const firstRun = await migrate(client, migrations, views);
      const versions = migrations.map((m) => m.version);
      expect(firstRun.slice(0, versions.length)).toEqual(versions);
      expect(new Set(firstRun.slice(versions.length))).toEqual(new Set(all));
      expect(await migrate(client, migrations, views)).toEqual([]);

      const changed = views.map((v) =>
        v.name === 'top_designs_by_revenue' ? { ...v, sql: `${v.sql}\n-- reworded\n` } : v,
      );
      expect(new Set(await migrate(client, migrations, changed))).toEqual(new Set(all));
      expect(await migrate(client, migrations, changed)).toEqual([]);

      await client.query('DROP VIEW analytics.top_designs_by_revenue');
      expect(new Set(await migrate(client, migrations, changed))).toEqual(new Set(all));
      const present = await client.query(
        `SELECT to_regclass('analytics.top_designs_by_revenue') IS NOT NULL AS present`,
      );
      expect(present.rows[0]).toEqual({ present: true });
    });
  });

  it('refuses a view file that does not create the view it is named after', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlv-views-'));
    try {
      await writeFile(path.join(dir, 'a.sql'), 'CREATE OR REPLACE VIEW analytics.b AS SELECT 1;');
      await expect(readViews(dir)).rejects.toThrow(/a\.sql must contain .*analytics\.a/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses views that depend on each other in a cycle', () => {
    const view = (name: string, reads: string) => ({
      name,
      file: `${name}.sql`,
      sql: `CREATE OR REPLACE VIEW analytics.${name} AS SELECT * FROM analytics.${reads};`,
    });
    expect(() => orderViews([view('a', 'b'), view('b', 'a')])).toThrow(/cycle: a → b → a/);
  });
});

describe('the migrated schema matches the warehouse catalogue', () => {
  let columns: ColumnRow[];

  beforeAll(async () => {
    columns = await withClient('warehouse', async (client) => {
      await migrate(client, migrations);
      const result = await client.query<ColumnRow>(
        `SELECT table_name, column_name, data_type, numeric_precision, numeric_scale,
                datetime_precision, is_nullable, column_default
           FROM information_schema.columns
          WHERE table_schema = 'public'
          ORDER BY table_name, ordinal_position`,
      );
      return result.rows;
    });
  });

  it('has exactly the catalogue tables in public', () => {
    const tables = [...new Set(columns.map((c) => c.table_name))].sort();
    expect(tables).toEqual(WAREHOUSE_TABLES.map((t) => t.name).sort());
  });

  it.each(WAREHOUSE_TABLES.map((t) => [t.name, t] as const))(
    '%s has the catalogue columns, in order, with their types and nullability',
    (name, table) => {
      const bookkeeping = new Set([
        'source_updated_at',
        'source_batch_id',
        SOURCE_DELETED_AT,
        table.kind === 'fact' ? table.recordId : '',
      ]);
      const actual = columns
        .filter((c) => c.table_name === name && !bookkeeping.has(c.column_name))
        .map((c) => ({ name: c.column_name, type: sqlType(c), nullable: c.is_nullable === 'YES' }));
      const expected = table.columns.map((c) => ({
        name: c.name,
        type: SQL_TYPE[c.type],
        nullable: c.nullable,
      }));
      expect(actual).toEqual(expected);
    },
  );

  it('gives every dimension but dim_date a NOT NULL source_updated_at timestamp, to the microsecond', () => {
    for (const dimension of Object.values(DIMENSIONS)) {
      const column = columns.find(
        (c) => c.table_name === dimension.name && c.column_name === 'source_updated_at',
      );
      if (dimension.name === 'dim_date') expect(column).toBeUndefined();
      else {
        expect(column && sqlType(column)).toBe('timestamp without time zone(6)');
        expect(column?.is_nullable).toBe('NO');
      }
    }
  });

  it('gives every table a source table reaches a nullable source_deleted_at timestamptz, and no other', () => {
    const reached = new Set<string>(
      Object.values(DELETED_KEYS_REACH).flatMap((reach) => (reach ? [reach.table] : [])),
    );
    for (const table of WAREHOUSE_TABLES) {
      const column = columns.find(
        (c) => c.table_name === table.name && c.column_name === SOURCE_DELETED_AT,
      );
      if (!reached.has(table.name)) expect(column).toBeUndefined();
      else {
        expect(column && sqlType(column)).toBe('timestamp with time zone(6)');
        expect(column?.is_nullable).toBe('YES');
      }
    }
  });

  it('gives every fact a generated bigint record id', () => {
    for (const fact of Object.values(FACTS)) {
      const column = columns.find(
        (c) => c.table_name === fact.name && c.column_name === fact.recordId,
      );
      expect(column?.data_type).toBe('bigint');
      expect(column?.column_default).toMatch(/^nextval\(/);
    }
  });

  it('declares the primary, version and foreign keys', async () => {
    await withClient('warehouse', async (client) => {
      const keys = await client.query<{ table: string; type: string; columns: string[] }>(
        `SELECT c.conrelid::regclass::text AS table, c.contype AS type,
                array_agg(a.attname::text ORDER BY k.ordinality) AS columns
           FROM pg_constraint c
           CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k (attnum, ordinality)
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
          WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'u')
          GROUP BY c.oid, c.conrelid, c.contype`,
      );
      const has = (table: string, type: string, cols: readonly string[]) =>
        keys.rows.some(
          (k) => k.table === table && k.type === type && k.columns.join() === cols.join(),
        );
      for (const d of Object.values(DIMENSIONS)) expect(has(d.name, 'p', [d.key])).toBe(true);
      for (const f of Object.values(FACTS)) {
        expect(has(f.name, 'p', [f.recordId])).toBe(true);
        expect(has(f.name, 'u', [f.sourceId, ...f.versionColumns])).toBe(true);
      }

      const foreign = await client.query<{ fk: string }>(
        `SELECT format('%s.%s -> %s.%s', c.conrelid::regclass, a.attname,
                       c.confrelid::regclass, r.attname) AS fk
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]
          WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
          ORDER BY 1`,
      );
      expect(EXPECTED_FOREIGN_KEYS.length).toBeGreaterThan(0);
      expect(foreign.rows.map((r) => r.fk)).toEqual([...EXPECTED_FOREIGN_KEYS].sort());
    });
  });

  it('indexes the fact columns the views join on', async () => {
    await withClient('warehouse', async (client) => {
      const indexed = await client.query<{ column: string }>(
        `SELECT format('%s.%s', i.indrelid::regclass, a.attname) AS column
           FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indrelid::regclass::text LIKE 'fact\\_%'`,
      );
      const columns = indexed.rows.map((r) => r.column);
      for (const column of [
        'fact_sales_order.sales_order_id',
        'fact_sales_order.created_date',
        'fact_sales_order.sales_staff_id',
        'fact_sales_order.design_id',
        'fact_sales_order.agreed_delivery_location_id',
        'fact_sales_order.counterparty_id',
        'fact_purchase_order.purchase_order_id',
        'fact_payment.payment_id',
        'fact_payment.counterparty_id',
      ]) {
        expect(columns).toContain(column);
      }
    });
  });

  it('has etl.load_log for the load stage', async () => {
    await withClient('warehouse', async (client) => {
      const result = await client.query<ColumnRow>(
        `SELECT table_name, column_name, data_type, numeric_precision, numeric_scale,
                datetime_precision, is_nullable, column_default
           FROM information_schema.columns
          WHERE table_schema = 'etl' AND table_name = 'load_log'
          ORDER BY ordinal_position`,
      );
      expect(result.rows.map((c) => [c.column_name, sqlType(c), c.is_nullable])).toEqual([
        ['batch_id', 'text', 'NO'],
        ['loaded_at', 'timestamp with time zone(6)', 'NO'],
        ['rows', 'jsonb', 'NO'],
        ['newest_source_change', 'timestamp without time zone(6)', 'YES'],
      ]);
    });
  });
});
