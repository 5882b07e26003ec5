import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultMigrationsDir,
  defaultViewsDir,
  orderViews,
  readMigrations,
  readViews,
  type ViewDefinition,
} from '../../../lambdas/load/migrations';

// The migration runner's reading of its SQL files, on a temporary folder; applying them is
// test/integration/warehouse-schema.test.ts on a real warehouse.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlv-sql-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function files(named: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(named)) await writeFile(join(dir, name), sql);
}

/** 1 to 30, shuffled (7 is coprime with 31). */
const SHUFFLED = Array.from({ length: 30 }, (_, i) => ((i + 1) * 7) % 31);

const refusal = (read: Promise<unknown>) =>
  read.then(
    () => 'read',
    (error: unknown) => (error as Error).message,
  );

describe('readMigrations', () => {
  it('reads the NNNN_name.sql files in version order, and leaves other files alone', async () => {
    await files({ '0002_b.sql': 'B', '0001_a.sql': 'A', 'README.md': 'notes', 'x.sql.bak': '' });
    expect(await readMigrations(dir)).toEqual([
      { version: '0001', file: '0001_a.sql', sql: 'A' },
      { version: '0002', file: '0002_b.sql', sql: 'B' },
    ]);
  });

  it('sorts them itself, whatever order the folder lists them in', async () => {
    // Written shuffled. Node lists a folder sorted already (libuv's scandir); the runner sorts
    // again, so the order does not hang on that.
    const versions = SHUFFLED.map((n) => String(n).padStart(4, '0'));
    await files(Object.fromEntries(versions.map((v) => [`${v}_m.sql`, v])));
    expect((await readMigrations(dir)).map((m) => m.version)).toEqual([...versions].sort());
  });

  it.each(['1_short.sql', '0001_Upper.sql', 'x0001_a.sql', '0001_a.sql.sql'])(
    'refuses a .sql file named %s',
    async (name) => {
      await files({ [name]: '' });
      expect(await refusal(readMigrations(dir))).toBe(
        `Migration file ${join(dir, name)} is not named NNNN_name.sql (lower case); rename it.`,
      );
    },
  );

  it('refuses two files of one version, naming both', async () => {
    await files({ '0002_second.sql': '', '0002_again.sql': '', '0001_a.sql': '' });
    expect(await refusal(readMigrations(dir))).toBe(
      `Migrations 0002_again.sql and 0002_second.sql in ${dir} share version 0002; renumber one.`,
    );
  });

  it('names the folder it cannot read and the setting that points at it', async () => {
    const missing = join(dir, 'gone');
    // Jest's sandbox has its own Error, so the fs error's name may come along with its message.
    expect(await refusal(readMigrations(missing))).toMatch(
      new RegExp(
        `^Cannot read SQL files from ${missing} \\(set MIGRATIONS_DIR\\?\\): (Error: )?ENOENT`,
      ),
    );
    expect(await refusal(readViews(missing))).toMatch(/\(set VIEWS_DIR\?\): (Error: )?ENOENT/);
    const error = await readMigrations(missing).catch((e: unknown) => e as Error);
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });
});

describe('readViews', () => {
  it('reads each <name>.sql that creates analytics.<name>, whatever the case', async () => {
    const sql = '-- the sales\nCreate Or Replace View ANALYTICS.sales AS SELECT 1;';
    await files({ 'sales.sql': sql, 'notes.txt': '' });
    expect(await readViews(dir)).toEqual([{ name: 'sales', file: 'sales.sql', sql }]);
  });

  it('sorts them by name, whatever order the folder lists them in', async () => {
    const names = SHUFFLED.map((n) => `v${String(n).padStart(2, '0')}`);
    await files(
      Object.fromEntries(
        names.map((n) => [`${n}.sql`, `CREATE OR REPLACE VIEW analytics.${n} AS SELECT 1`]),
      ),
    );
    expect((await readViews(dir)).map((v) => v.name)).toEqual([...names].sort());
  });

  it('refuses a file not named as a view', async () => {
    await files({ '1sales.sql': 'CREATE OR REPLACE VIEW analytics.1sales AS SELECT 1;' });
    expect(await refusal(readViews(dir))).toBe(
      `View file ${join(dir, '1sales.sql')} is not named <view_name>.sql; rename it.`,
    );
  });

  it.each([
    ['another view', 'CREATE OR REPLACE VIEW analytics.sales_by_day AS SELECT 1;'],
    ['a comment only', '-- CREATE OR REPLACE VIEW analytics.sales\nSELECT 1;'],
    ['a block comment only', '/* CREATE OR REPLACE VIEW analytics.sales */ SELECT 1;'],
    ['another schema', 'CREATE OR REPLACE VIEW public.sales AS SELECT 1;'],
    ['a plain CREATE VIEW', 'CREATE VIEW analytics.sales AS SELECT 1;'],
  ])('refuses a file that creates %s', async (_name, sql) => {
    await files({ 'sales.sql': sql });
    expect(await refusal(readViews(dir))).toBe(
      `View file ${join(dir, 'sales.sql')} must contain CREATE OR REPLACE VIEW analytics.sales.`,
    );
  });
});

describe('orderViews', () => {
  const view = (name: string, sql: string): ViewDefinition => ({ name, file: `${name}.sql`, sql });

  it('puts each view after the views it reads, and the others by name', () => {
    const views = [
      view('a', 'CREATE OR REPLACE VIEW analytics.a AS SELECT * FROM ANALYTICS.B'),
      view('b', 'CREATE OR REPLACE VIEW analytics.b AS SELECT * FROM analytics.c'),
      view('d', 'CREATE OR REPLACE VIEW analytics.d AS SELECT 1'),
      view('c', 'CREATE OR REPLACE VIEW analytics.c AS SELECT 1'),
    ];
    expect(orderViews(views).map((v) => v.name)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('orders views that read none by name, whatever order they come in', () => {
    const views = ['z', 'y', 'x'].map((name) =>
      view(name, `CREATE OR REPLACE VIEW analytics.${name} AS SELECT 1`),
    );
    expect(orderViews(views).map((v) => v.name)).toEqual(['x', 'y', 'z']);
  });

  it('counts no reference in a comment, to itself or to a view that is not there', () => {
    const views = [
      view('a', '-- reads analytics.b\nCREATE OR REPLACE VIEW analytics.a AS SELECT * FROM t'),
      view(
        'b',
        '/* analytics.c */ CREATE OR REPLACE VIEW analytics.b AS SELECT * FROM analytics.x',
      ),
      view('c', 'CREATE OR REPLACE VIEW analytics.c AS SELECT * FROM analytics.a'),
    ];
    expect(orderViews(views).map((v) => v.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses views that read each other in a cycle, naming it', () => {
    const views = [
      view('a', 'CREATE OR REPLACE VIEW analytics.a AS SELECT * FROM analytics.b'),
      view('b', 'CREATE OR REPLACE VIEW analytics.b AS SELECT * FROM analytics.c'),
      view('c', 'CREATE OR REPLACE VIEW analytics.c AS SELECT * FROM analytics.a'),
    ];
    expect(() => orderViews(views)).toThrow('Views depend on each other in a cycle: a → b → c → a');
  });
});

describe('where the SQL files are', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const root = join(__dirname, '..', '..', '..');

  it('is the repository when nothing is set', () => {
    delete process.env.MIGRATIONS_DIR;
    delete process.env.VIEWS_DIR;
    delete process.env.LAMBDA_TASK_ROOT;
    expect(defaultMigrationsDir()).toBe(join(root, 'sql', 'warehouse'));
    expect(defaultViewsDir()).toBe(join(root, 'sql', 'views'));
  });

  it("is the deployment package in Lambda, and each setting's folder when set", () => {
    delete process.env.MIGRATIONS_DIR;
    delete process.env.VIEWS_DIR;
    process.env.LAMBDA_TASK_ROOT = '/var/task';
    expect(defaultMigrationsDir()).toBe('/var/task/sql/warehouse');
    expect(defaultViewsDir()).toBe('/var/task/sql/views');
    process.env.MIGRATIONS_DIR = '/opt/sql/warehouse';
    expect(defaultMigrationsDir()).toBe('/opt/sql/warehouse');
    expect(defaultViewsDir()).toBe('/opt/sql/views');
    process.env.VIEWS_DIR = '/srv/views';
    expect(defaultViewsDir()).toBe('/srv/views');
  });
});
