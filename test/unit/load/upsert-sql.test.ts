import { toCopyText } from '../../../lambdas/load/copy-text';
import { createStagingSql, stagedColumns, upsertSql } from '../../../lambdas/load/upsert-sql';
import { DIMENSIONS, FACTS } from '../../../lambdas/shared/core/warehouse-catalogue';

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

describe('load SQL built from the catalogue', () => {
  it('stages dimensions with their source version and facts without', () => {
    expect(stagedColumns(DIMENSIONS.dim_staff).at(-1)).toBe('source_updated_at');
    expect(stagedColumns(FACTS.fact_payment)).not.toContain('source_updated_at');
    expect(createStagingSql(DIMENSIONS.dim_date)).not.toContain('source_updated_at');
    expect(createStagingSql(FACTS.fact_sales_order)).toContain('"unit_price" numeric(10,2)');
  });

  it('inserts each fact version once, keyed on source id and last_updated', () => {
    expect(upsertSql(FACTS.fact_sales_order)).toMatch(
      /ON CONFLICT \("sales_order_id", "last_updated_date", "last_updated_time"\) DO NOTHING$/,
    );
  });

  it('updates a dimension only with a version at least as new and only where a value differs', () => {
    const sql = upsertSql(DIMENSIONS.dim_location);
    expect(sql).toContain('ORDER BY "location_id", source_updated_at DESC');
    expect(sql).toContain('WHERE d.source_updated_at <= EXCLUDED.source_updated_at');
    expect(sql).toContain('IS DISTINCT FROM');
    expect(sql).not.toMatch(/d\."location_id"\) IS DISTINCT/);
  });

  it('never updates dim_date, whose rows are facts of the calendar', () => {
    expect(upsertSql(DIMENSIONS.dim_date)).toMatch(/ON CONFLICT \("date_id"\) DO NOTHING$/);
  });
});
