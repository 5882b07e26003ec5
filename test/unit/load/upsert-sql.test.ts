import { toCopyText } from '../../../lambdas/load/copy-text';
import {
  createStagingSql,
  stagedColumns,
  upsertQuery,
  upsertSql,
} from '../../../lambdas/load/upsert-sql';
import {
  DIMENSIONS,
  FACTS,
  type DimensionTable,
} from '../../../lambdas/shared/core/warehouse-catalogue';

// What these statements do to rows is tested on PostgreSQL (test/integration/dimension-changes
// and crash-matrix); here, that each is built from every column the catalogue names.

const VERSIONED = Object.values(DIMENSIONS).filter((d) => d.name !== 'dim_date');
const q = (name: string) => `"${name}"`;
const valuesOf = (d: DimensionTable) => [
  ...d.columns.filter((c) => c.name !== d.key).map((c) => c.name),
  'source_updated_at',
];

/** The parts of a dimension upsert: what it sets, when, and which values it compares. */
function parts(sql: string) {
  const found =
    /^INSERT INTO "(\w+)" AS d \((.+)\) SELECT DISTINCT ON \("(\w+)"\) (.+) FROM "stage_\1" ORDER BY "\3", source_updated_at DESC ON CONFLICT \("\3"\) DO UPDATE SET (.+) WHERE (.+) AND \((.+)\) IS DISTINCT FROM \((.+)\)$/.exec(
      sql,
    );
  if (!found) throw new Error(`Not a dimension upsert: ${sql}`);
  const [, table, inserted, key, selected, set, guard, current, incoming] = found;
  const list = (text: string) => text.split(', ');
  return {
    table,
    key,
    inserted: list(inserted!),
    selected: list(selected!),
    set: list(set!),
    guard,
    current: list(current!),
    incoming: list(incoming!),
  };
}

describe('COPY text', () => {
  it('escapes backslashes, tabs and newlines and writes NULL as \\N', () => {
    expect(
      toCopyText(
        [{ a: 'x\ty\\z\nw\r', b: null, c: 3, d: true, e: '12.50' }],
        ['a', 'b', 'c', 'd', 'e'],
      ),
    ).toBe('x\\ty\\\\z\\nw\\r\t\\N\t3\tt\t12.50\n');
  });
});

describe('staging built from the catalogue', () => {
  it('stages dimensions with their source version and facts and dim_date without', () => {
    for (const d of VERSIONED) {
      expect(stagedColumns(d)).toEqual([...d.columns.map((c) => c.name), 'source_updated_at']);
    }
    expect(stagedColumns(FACTS.fact_payment)).toEqual(
      FACTS.fact_payment.columns.map((c) => c.name),
    );
    expect(stagedColumns(DIMENSIONS.dim_date)).toEqual(
      DIMENSIONS.dim_date.columns.map((c) => c.name),
    );
  });

  it('types every staged column as the warehouse does, in a table dropped at commit', () => {
    expect(createStagingSql(DIMENSIONS.dim_currency)).toBe(
      'CREATE TEMP TABLE "stage_dim_currency" ("currency_id" int, "currency_code" text, "currency_name" text, source_updated_at timestamp) ON COMMIT DROP',
    );
    expect(createStagingSql(FACTS.fact_payment)).toBe(
      'CREATE TEMP TABLE "stage_fact_payment" ("payment_id" int, "created_date" date, "created_time" time, "last_updated_date" date, "last_updated_time" time, "transaction_id" int, "counterparty_id" int, "payment_amount" numeric(10,2), "currency_id" int, "payment_type_id" int, "paid" boolean, "payment_date" date) ON COMMIT DROP',
    );
  });
});

describe('the dimension upsert, for every dimension with a source version', () => {
  it.each(VERSIONED.map((d) => [d.name, d] as const))(
    '%s: inserts every staged column, newest staged version per key',
    (_name, d) => {
      const sql = parts(upsertSql(d));
      expect([sql.table, sql.key]).toEqual([d.name, d.key]);
      expect(sql.inserted).toEqual([...stagedColumns(d).map(q), q('source_batch_id')]);
      expect(sql.selected).toEqual([...stagedColumns(d).map(q), '$1::text']);
    },
  );

  it.each(VERSIONED.map((d) => [d.name, d] as const))(
    '%s: sets every value column, the version and its batch, only from a version at least as new, on a tie from a batch at least as late',
    (_name, d) => {
      const sql = parts(upsertSql(d));
      expect(sql.set).toEqual([
        ...[...valuesOf(d), 'source_batch_id'].map((c) => `${q(c)} = EXCLUDED.${q(c)}`),
        // A newer version than the row's deletion brings the key back (apply-deletes.ts).
        `"source_deleted_at" = CASE WHEN EXCLUDED.source_updated_at > d."source_deleted_at" AT TIME ZONE 'UTC' THEN NULL ELSE d."source_deleted_at" END`,
      ]);
      expect(sql.guard).toBe(
        `(d.source_updated_at, COALESCE(d."source_batch_id", '')) <= (EXCLUDED.source_updated_at, EXCLUDED."source_batch_id")`,
      );
      expect(upsertQuery(d, 'B').values).toEqual(['B']);
    },
  );

  it.each(VERSIONED.map((d) => [d.name, d] as const))(
    '%s: writes only where a value column or the version differs',
    (_name, d) => {
      const sql = parts(upsertSql(d));
      expect(sql.current).toEqual(valuesOf(d).map((c) => `d.${q(c)}`));
      expect(sql.incoming).toEqual(valuesOf(d).map((c) => `EXCLUDED.${q(c)}`));
    },
  );
});

describe('the inserts that never update', () => {
  it('inserts each fact version once, keyed on source id and last_updated', () => {
    const columns = stagedColumns(FACTS.fact_sales_order).map(q).join(', ');
    expect(upsertQuery(FACTS.fact_sales_order, 'B').values).toEqual([]);
    expect(upsertSql(FACTS.fact_sales_order)).toBe(
      `INSERT INTO "fact_sales_order" (${columns}) SELECT ${columns} FROM "stage_fact_sales_order" ON CONFLICT ("sales_order_id", "last_updated_date", "last_updated_time") DO NOTHING`,
    );
  });

  it('never updates dim_date, whose rows are facts of the calendar', () => {
    const columns = stagedColumns(DIMENSIONS.dim_date).map(q).join(', ');
    expect(upsertSql(DIMENSIONS.dim_date)).toBe(
      `INSERT INTO "dim_date" (${columns}) SELECT DISTINCT ON ("date_id") ${columns} FROM "stage_dim_date" ORDER BY "date_id" ON CONFLICT ("date_id") DO NOTHING`,
    );
  });
});
