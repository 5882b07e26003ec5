import { BackfillProgress } from '../../../local/backfill-progress';
import type { LandedTable } from '../../../lambdas/shared/core/manifest';

const entry = (table: LandedTable['table'], rows: number, remaining?: number): LandedTable => ({
  table,
  keys: [],
  rows,
  bytes: 0,
  from: null,
  to: '2026-01-01T00:00:00.000000Z',
  newest: null,
  ...(remaining === undefined
    ? {}
    : { upTo: { lastUpdated: '2025-01-01T00:00:00.000000Z', key: 1 }, remaining }),
});
const batch = (...tables: LandedTable[]) => ({
  manifest: {
    kind: 'landing' as const,
    version: 1 as const,
    batchId: 'b',
    startedAt: '',
    finishedAt: '',
    tables,
  },
});

describe('backfill progress', () => {
  it('follows only the tables that were capped, with rows of the total, batches, rate and time left', () => {
    let now = 0;
    const progress = new BackfillProgress(() => now);
    now = 10_000;
    progress.add(batch(entry('currency', 3), entry('sales_order', 1000, 3000)));
    expect(progress.lines()).toEqual([
      'sales_order: 1,000 of ~4,000 rows (25 %), 1 batch, 100 rows/s, about 30 s left',
    ]);
    now = 20_000;
    progress.add(batch(entry('sales_order', 1000, 2000)));
    expect(progress.lines()).toEqual([
      'sales_order: 2,000 of ~4,000 rows (50 %), 2 batches, 100 rows/s, about 20 s left',
    ]);
    now = 25_000;
    progress.add(batch(entry('sales_order', 2000)));
    expect(progress.lines()).toEqual([
      'sales_order: 4,000 of ~4,000 rows (100 %), 3 batches, 160 rows/s, caught up',
    ]);
    // Caught up: later batches, while another table drains, change nothing of its line.
    now = 60_000;
    progress.add(batch(entry('sales_order', 0), entry('payment', 10, 90)));
    expect(progress.lines()[0]).toBe(
      'sales_order: 4,000 of ~4,000 rows (100 %), 3 batches, 160 rows/s, caught up',
    );
  });

  it('times a table from the batch that brought its first rows, as tables drain one after another', () => {
    let now = 0;
    const progress = new BackfillProgress(() => now);
    now = 10_000;
    progress.add(batch(entry('sales_order', 1000, 1000)));
    now = 30_000;
    progress.add(batch(entry('sales_order', 1000)));
    now = 40_000;
    progress.add(batch(entry('sales_order', 0), entry('payment', 1000, 1000)));
    expect(progress.lines()).toEqual([
      'sales_order: 2,000 of ~2,000 rows (100 %), 2 batches, 67 rows/s, caught up',
      'payment: 1,000 of ~2,000 rows (50 %), 1 batch, 100 rows/s, about 10 s left',
    ]);
  });

  it('says nothing when no table was behind', () => {
    const progress = new BackfillProgress(() => 0);
    progress.add(batch(entry('payment', 5)));
    expect(progress.lines()).toEqual([]);
  });
});
