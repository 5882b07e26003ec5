import { replaySummary, runSummary, seedSummary } from '../../../cli/command-summary';
import type { CycleResult } from '../../../local/run-cycle';

/** A cycle as the summary reads it: rows landed per table, rows loaded, rows set aside. */
function cycle(landed: number[], loaded: { staged: number; written: number }[], setAside = 0) {
  return {
    ingest: { manifest: { tables: landed.map((rows, i) => ({ table: `t${i}`, rows })) } },
    transform: {
      manifest: {
        quarantined: [],
        quarantinedRows: setAside > 0 ? [{ table: 'payment', rows: setAside }] : [],
      },
    },
    load: { skipped: false, tables: loaded.map((l, i) => ({ table: `w${i}`, ...l })) },
  } as unknown as CycleResult;
}

describe('the closing lines', () => {
  it('sums a run over its batches: landed, loaded, new or changed, set aside', () => {
    expect(
      runSummary([
        cycle([1000, 234], [{ staged: 1200, written: 1100 }]),
        cycle([500_000], [{ staged: 500_000, written: 7 }], 3),
      ]),
    ).toBe('2 batches, 501,234 rows landed, 501,200 loaded (1,107 new or changed), 3 set aside');
    expect(runSummary([cycle([], [])])).toBe(
      '1 batch, 0 rows landed, 0 loaded (0 new or changed), 0 set aside',
    );
  });

  it('says when a replay found its batch done', () => {
    const load = { skipped: true, tables: [] } as never;
    expect(replaySummary('B', { skipped: true }, load)).toBe(
      'batch B already done, nothing replayed, 0 loaded (0 new or changed), 0 set aside',
    );
    expect(replaySummary('B', { skipped: false }, load)).toBe(
      'batch B, 0 loaded (0 new or changed), 0 set aside',
    );
    expect(
      replaySummary('B', undefined, {
        skipped: false,
        tables: [{ staged: 5, written: 2 }],
      } as never),
    ).toBe('batch B, 5 loaded (2 new or changed), 0 set aside');
  });

  it('counts a seed over its tables', () => {
    expect(seedSummary(0.5, { staff: 10, payment: 6807 })).toBe('scale 0.5, 2 tables, 6,817 rows');
  });
});
