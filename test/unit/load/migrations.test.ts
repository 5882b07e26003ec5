import {
  migrationFailure,
  pendingMigrations,
  sqlChecksum,
  type Migration,
} from '../../../lambdas/load/migrations';

// What the runner decides, without PostgreSQL; applying them (one transaction, the lock, the
// views) is test/integration/warehouse-schema.test.ts on a real warehouse.

const migration = (version: string, sql = `CREATE TABLE t${version} ();\n`): Migration => ({
  version,
  file: `${version}_t${version}.sql`,
  sql,
});
const [M1, M2, M3] = [migration('0001'), migration('0002'), migration('0003')];

/** etl.schema_migrations as it holds `applied`: version → checksum. */
const recorded = (...applied: Migration[]) =>
  new Map(applied.map((m) => [m.version, sqlChecksum(m.sql)]));

describe('pendingMigrations', () => {
  it('is every migration not yet recorded, in version order whatever the files order', () => {
    expect(pendingMigrations([M3, M1, M2], recorded(M1)).map((m) => m.version)).toEqual([
      '0002',
      '0003',
    ]);
    expect(pendingMigrations([M1, M2, M3], recorded(M1, M2, M3))).toEqual([]);
    expect(pendingMigrations([M2, M1], new Map()).map((m) => m.version)).toEqual(['0001', '0002']);
  });

  it('refuses a migration changed after it was applied, naming its file and what to do', () => {
    const edited = { ...M2, sql: `${M2.sql}-- an afterthought\n` };
    expect(() => pendingMigrations([M1, edited, M3], recorded(M1, M2))).toThrow(
      'Migration 0002_t0002.sql was changed after it was applied (checksum differs from etl.schema_migrations); restore the file and put the change in a new migration.',
    );
    expect(() => pendingMigrations([M1, edited, M3], recorded(M1, M2))).toThrow(
      expect.objectContaining({ name: 'InvariantError', kind: 'fatal' }),
    );
  });

  it('takes a file checked out with CRLF line endings for the one applied', () => {
    const crlf = { ...M1, sql: M1.sql.replace(/\n/g, '\r\n') };
    expect(crlf.sql).not.toBe(M1.sql);
    expect(pendingMigrations([crlf, M2], recorded(M1))).toEqual([M2]);
  });

  it('leaves alone a version recorded by a newer release: an older load keeps working', () => {
    expect(pendingMigrations([M1, M2], recorded(M1, M2, M3))).toEqual([]);
  });
});

describe('migrationFailure', () => {
  it('is fatal when the file itself is wrong: the same file fails the same way', () => {
    const syntax = Object.assign(new Error('syntax error at or near ";"'), { code: '42601' });
    const failure = migrationFailure('Migration 9999_broken.sql', syntax);
    expect(failure).toMatchObject({
      name: 'InvariantError',
      kind: 'fatal',
      message: 'Migration 9999_broken.sql failed: syntax error at or near ";"',
      cause: syntax,
    });
  });

  it.each([
    ['a lost session', '57P01'],
    ['a lock wait', '55P03'],
    ['no SQLSTATE at all', undefined],
  ])('is transient for %s: the next attempt may pass', (_, code) => {
    const error = Object.assign(new Error('terminating connection'), code ? { code } : {});
    expect(migrationFailure('View sales.sql', error)).toMatchObject({
      name: 'TransientError',
      kind: 'transient',
      message: 'View sales.sql failed: terminating connection',
    });
  });
});
