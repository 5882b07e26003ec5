import type { Pool, PoolClient } from 'pg';
import { extractTable } from '../../lambdas/ingest/extract';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { SOURCE_TABLE_NAMES, SOURCE_TABLES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { readJsonLines, startTestStack, type TestStack } from './support/test-stack';

/**
 * What the ingest asks of the source, statement by statement: each table's rows are read once
 * per batch, by the COPY that lands them, and only a table over the cap is read again, to count
 * the rows it leaves for later batches.
 */
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.1 });
});
afterAll(() => stack?.stop());

/** The pool, every statement it and its clients are given written down first. */
function recordingPool(pool: Pool, statements: string[]): Pool {
  const record = (query: unknown) =>
    statements.push(typeof query === 'string' ? query : String((query as { text?: unknown }).text));
  const recorded = <T extends Pool | PoolClient>(target: T, wrap: (value: unknown) => unknown) =>
    new Proxy(target, {
      get(object, property) {
        const value: unknown = Reflect.get(object, property);
        if (property === 'query') {
          return (query: unknown, ...rest: unknown[]) => {
            record(query);
            return (value as (...args: unknown[]) => unknown).call(object, query, ...rest);
          };
        }
        if (property === 'connect') {
          return async () => wrap(await (value as () => Promise<unknown>).call(object));
        }
        return typeof value === 'function' ? (value as () => unknown).bind(object) : value;
      },
    });
  return recorded(pool, (client) => recorded(client as PoolClient, (c) => c));
}

/** The statements that read rows of `table`; the run's future-stamped probe is left out. */
const readsOf = (statements: readonly string[], table: string) =>
  statements.filter(
    (s) => s.includes(`FROM "${table}" t WHERE`) && !s.includes('count(*) OVER ()'),
  );

describe('the ingest reads the source once per table per batch', () => {
  it('reads each table by one COPY, capped in cursor order, and counts only the rest of the capped one', async () => {
    const counts = new Map<string, number>();
    for (const name of SOURCE_TABLE_NAMES) {
      const result = await stack.source.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${name}`,
      );
      counts.set(name, result.rows[0]!.n);
    }
    const cap = Math.floor(Math.max(...counts.values()) / 3);
    const capped = SOURCE_TABLE_NAMES.find((name) => counts.get(name)! > cap)!;
    const statements: string[] = [];
    const ingest = await runIngest({
      source: new PostgresSource(recordingPool(stack.source, statements)),
      landing: stack.landing,
      watermarks: stack.watermarks,
      logger: silentLogger,
      overlapSeconds: 0,
      maxBatchRows: cap,
    });

    const read = SOURCE_TABLE_NAMES.slice(0, SOURCE_TABLE_NAMES.indexOf(capped) + 1);
    expect(ingest.manifest.tables.map((t) => t.table)).toEqual(read);
    for (const name of read) {
      const reads = readsOf(statements, name);
      const entry = ingest.manifest.tables.find((t) => t.table === name)!;
      if (name !== capped) {
        expect({ name, reads: reads.length, rows: entry.rows }).toEqual({
          name,
          reads: 1,
          rows: counts.get(name),
        });
        expect(reads[0]).toMatch(/^COPY /);
        continue;
      }
      const key = SOURCE_TABLES[name].primaryKey;
      expect(reads).toHaveLength(3);
      expect(reads[0]).toMatch(
        new RegExp(
          `^COPY .* ORDER BY t\\.last_updated, t\\."${key}" LIMIT ${cap + 1}\\) TO STDOUT$`,
        ),
      );
      // The planner puts the rest within two batches, so it is counted.
      expect(reads[1]).toMatch(/^EXPLAIN \(FORMAT JSON\) SELECT 1 FROM/);
      expect(reads[2]).toMatch(/^SELECT \(\(SELECT count\(\*\)/);
      // The batch ends at the cap-th row in (last_updated, key) order, to the microsecond.
      const end = await stack.source.query<{ lastUpdated: string; key: number }>(
        `SELECT to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastUpdated", ${key} AS key
           FROM ${name} ORDER BY last_updated, ${key} OFFSET ${cap - 1} LIMIT 1`,
      );
      expect(entry.rows).toBe(cap);
      expect(entry.upTo).toEqual(end.rows[0]);
      expect(entry.newest).toBe(end.rows[0]!.lastUpdated);
      expect(entry.remaining).toBe(counts.get(name)! - cap);
      expect(entry.remainingEstimated).toBe(false);
      const landed = (await Promise.all(entry.keys.map((k) => readJsonLines(stack.landing, k))))
        .flat()
        .map((row) => row[key]);
      expect(new Set(landed).size).toBe(cap);
    }
    // Nothing else asked for a count of a window.
    expect(statements.filter((s) => /count\(\*\)/.test(s) && !/OVER \(\)/.test(s))).toHaveLength(1);
  });

  it('caps the JSON PostgreSQL builds for a table with columns the catalogue does not know the same way', async () => {
    // Within two batches of its end, so that the rest is counted.
    const cap = 500;
    await stack.source.query('ALTER TABLE sales_order ADD COLUMN note text');
    try {
      // New versions of the oldest rows move to the end of the heap: read as it lies, the table
      // is no longer in last_updated order.
      await stack.source.query(
        "UPDATE sales_order SET note = 'moved' WHERE sales_order_id IN (SELECT sales_order_id FROM sales_order ORDER BY last_updated, sales_order_id LIMIT 500)",
      );
      const total = await stack.source.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sales_order',
      );
      expect(total.rows[0]!.n).toBeGreaterThan(cap);
      const end = await stack.source.query<{ lastUpdated: string; key: number }>(
        `SELECT to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastUpdated", sales_order_id AS key
           FROM sales_order ORDER BY last_updated, sales_order_id OFFSET ${cap - 1} LIMIT 1`,
      );
      const window = { from: undefined, to: '2999-01-01T00:00:00.000000Z' };
      const result = await extractTable(
        new PostgresSource(stack.source),
        stack.landing,
        SOURCE_TABLES.sales_order,
        window,
        'sales_order/drift.jsonl',
        true,
        { maxRows: cap },
      );
      expect(result.rows).toBe(cap);
      expect(result.window.upTo).toEqual(end.rows[0]);
      expect(result.newest).toBe(end.rows[0]!.lastUpdated);
      expect(result.remaining).toBe(total.rows[0]!.n - cap);
      expect(result.remainingEstimated).toBe(false);
      const rows = await readJsonLines(stack.landing, 'sales_order/drift.jsonl');
      expect(rows).toHaveLength(cap);
      expect(rows.every((row) => 'note' in row)).toBe(true);
      expect(rows.at(-1)?.sales_order_id).toBe(end.rows[0]!.key);
    } finally {
      await stack.source.query('ALTER TABLE sales_order DROP COLUMN note');
    }
  });

  it('reports the planner’s estimate of a rest more than two batches long, and does not count it', async () => {
    const cap = 100;
    const total = await stack.source.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM transaction',
    );
    const left = total.rows[0]!.n - cap;
    expect(left).toBeGreaterThan(4 * cap);
    const statements: string[] = [];
    const result = await extractTable(
      new PostgresSource(recordingPool(stack.source, statements)),
      stack.landing,
      SOURCE_TABLES.transaction,
      { from: undefined, to: '2999-01-01T00:00:00.000000Z' },
      'transaction/estimated.jsonl',
      false,
      { maxRows: cap },
    );
    expect(result.rows).toBe(cap);
    expect(result.remainingEstimated).toBe(true);
    // ANALYZE sampled the whole of a table this small: its histogram puts the rest within a few per cent.
    expect(Math.abs(result.remaining - left)).toBeLessThan(left * 0.1);
    expect(readsOf(statements, 'transaction').map((s) => s.split(' ')[0])).toEqual([
      'COPY',
      'EXPLAIN',
    ]);
  });
});
