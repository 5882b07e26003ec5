import type { PoolClient } from 'pg';
import { sqlKeySide } from '../../lambdas/ingest/deletes/key-side';
import { findMissingKeys } from '../../lambdas/ingest/deletes/range-descent';
import { startTestStack, type TestStack } from './support/test-stack';

const KEYS = 100_000;
/** Scattered over the span, one per top-level range at most. */
const DELETED = [17, 9_001, 23_456, 50_000, 50_001, 77_777, 99_999];

let stack: TestStack;
let source: PoolClient;
let warehouse: PoolClient;

beforeAll(async () => {
  stack = await startTestStack();
  for (const pool of [stack.source, stack.warehouse]) {
    await pool.query(
      `CREATE TABLE big_keys (k int PRIMARY KEY);
       INSERT INTO big_keys SELECT generate_series(1, ${KEYS});`,
    );
  }
  await stack.source.query('DELETE FROM big_keys WHERE k = ANY($1)', [DELETED]);
  // New keys the warehouse has not loaded yet: not deletes, and not read.
  await stack.source.query(
    `INSERT INTO big_keys SELECT generate_series(${KEYS + 1}, ${KEYS + 500})`,
  );
  source = await stack.source.connect();
  warehouse = await stack.warehouse.connect();
});
afterAll(async () => {
  source.release();
  warehouse.release();
  await stack.stop();
});

const sides = () =>
  [
    sqlKeySide(source, '(SELECT k FROM big_keys)'),
    sqlKeySide(warehouse, '(SELECT k FROM big_keys)'),
  ] as const;

describe('the key-range descent on a large table', () => {
  it('finds the deleted keys reading only the keys of ranges that differ', async () => {
    const missing = await findMissingKeys(...sides(), 1_000);
    expect(missing.keys).toEqual(DELETED);
    expect(missing.capped).toBe(false);
    expect(missing.compared).toEqual({ source: KEYS + 500 - DELETED.length, warehouse: KEYS });
    // Leaves are at most ceil(ceil(100500 / 32) / 32) = 99 keys wide; six differing leaves.
    const leaves = 6;
    expect(missing.read.warehouse).toBeLessThanOrEqual(leaves * 99);
    expect(missing.read.source).toBeLessThanOrEqual(leaves * 99);
    // Under 1 % of the 200,000 keys the two sides hold.
    expect(missing.read.warehouse + missing.read.source).toBeLessThan(0.01 * 2 * KEYS);
    // The last range's 500 new keys hide its one delete from the counts: a lower bound.
    expect(missing.atLeast).toBe(DELETED.length - 1);
  });

  it('stops at the limit and says more are missing', async () => {
    const missing = await findMissingKeys(...sides(), 3);
    expect(missing.keys).toEqual(DELETED.slice(0, 3));
    expect(missing.capped).toBe(true);
  });

  it('reads no key when the guard stops it on the counts alone', async () => {
    const asked: [number, number][] = [];
    const missing = await findMissingKeys(...sides(), 1_000, undefined, (atLeast, held) => {
      asked.push([atLeast, held]);
      return true;
    });
    expect(asked).toEqual([[DELETED.length - 1, KEYS]]);
    expect(missing.keys).toEqual([]);
    expect(missing.read).toEqual({ source: 0, warehouse: 0 });
  });
});
