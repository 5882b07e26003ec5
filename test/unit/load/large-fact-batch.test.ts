import { BULK_MIN_ROWS } from '../../../lambdas/load/bulk-load';
import {
  REVALIDATE_MAX_TABLE_RATIO,
  revalidatingIsCheaper,
} from '../../../lambdas/load/large-fact-batch';

describe('when a large fact batch drops and re-validates its foreign keys', () => {
  it.each<[string, number, number, boolean]>([
    ['a backfill batch as large as the table before it', 500_000, 1_000_000, true],
    [
      'a table exactly the ratio times the batch',
      BULK_MIN_ROWS,
      BULK_MIN_ROWS * REVALIDATE_MAX_TABLE_RATIO,
      true,
    ],
    [
      'a table larger than the ratio times the batch',
      BULK_MIN_ROWS,
      BULK_MIN_ROWS * REVALIDATE_MAX_TABLE_RATIO + 1,
      false,
    ],
    ['a batch under BULK_MIN_ROWS, however small the table', BULK_MIN_ROWS - 1, 10, false],
    ['an incremental batch into a large table', 1_000, 4_000_000, false],
  ])('%s: %i rows into %i → %s', (_case, batch, table, expected) => {
    expect(revalidatingIsCheaper(batch, table)).toBe(expected);
  });
});
