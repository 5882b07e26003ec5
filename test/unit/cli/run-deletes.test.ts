import { runSummary } from '../../../cli/command-summary';
import { formatCycleSummary } from '../../../cli/cycle-summary';
import { runDeletesOf, runDeletesText, tombstonesOf } from '../../../cli/run-deletes';
import type { TableDeletes } from '../../../lambdas/ingest/deletes/reconcile-deletes';
import type { IngestRun } from '../../../lambdas/ingest/ingest-stage';
import type { CycleResult } from '../../../local/run-cycle';

const zero = { source: 0, warehouse: 0 };
const AT = '2026-12-05T10:00:00.000Z';

/** One table's reconciliation as ingest reports it. */
function reconciled(table: string, extra: Partial<TableDeletes> = {}): TableDeletes {
  return {
    table: table as TableDeletes['table'],
    compared: { source: 100, warehouse: 100 },
    read: zero,
    landed: 0,
    capped: false,
    ...extra,
  };
}

const ingestOf = (tables?: TableDeletes[]) =>
  (tables ? { deletes: { tables, heldKeys: 0 } } : {}) as Pick<IngestRun, 'deletes'>;

/** A cycle as the summaries read it, one landed table, and the deletes its ingest reconciled. */
function cycle(tables?: TableDeletes[]): CycleResult {
  return {
    ingest: {
      batchId: 'B',
      seconds: 1,
      manifest: { tables: [{ table: 'payment', rows: 3, bytes: 30, from: null, to: AT }] },
      schema: { changes: [], stopped: [], held: [] },
      futureStamped: [],
      ...ingestOf(tables),
    },
    transform: { seconds: 1, manifest: { tables: [], quarantined: [], quarantinedRows: [] } },
    load: { seconds: 1, skipped: false, tables: [] },
  } as unknown as CycleResult;
}

describe("a run's deletes", () => {
  it('sums the tombstones per table over the batches, and keeps what the guard holds last', () => {
    const deletes = runDeletesOf([
      ingestOf([
        reconciled('sales_order', { landed: 2 }),
        reconciled('payment', { held: { keys: 6000, share: 1, at: AT } }),
        reconciled('staff'),
      ]),
      ingestOf(),
      ingestOf([
        reconciled('sales_order', { landed: 1 }),
        reconciled('design', { waitingFor: 'B0' }),
      ]),
    ]);
    expect(deletes).toEqual({
      reconciled: 3,
      tombstones: { sales_order: 3 },
      held: { payment: { keys: 6000, share: 1, at: AT } },
      waiting: ['design'],
    });
    expect(tombstonesOf(deletes)).toBe(3);
  });

  it('lets a later reconciliation of a held table clear it', () => {
    const deletes = runDeletesOf([
      ingestOf([reconciled('payment', { held: { keys: 60, share: 0.5, at: AT } })]),
      ingestOf([reconciled('payment', { landed: 60 })]),
    ]);
    expect(deletes?.held).toEqual({});
    expect(deletes?.tombstones).toEqual({ payment: 60 });
  });

  it('is nothing when no batch reconciled a table', () => {
    expect(runDeletesOf([ingestOf(), ingestOf([])])).toBeUndefined();
  });

  it('says in one line what landed, what the guard holds and what to do', () => {
    expect(
      runDeletesText({
        reconciled: 10,
        tombstones: { sales_order: 2, payment: 1_203 },
        held: { staff: { keys: 40, share: 0.12, at: AT } },
        waiting: ['design'],
      }),
    ).toBe(
      'deletes: 10 tables reconciled, 1,205 tombstones landed (sales_order 2, payment 1,203); held by the guard: staff 40 keys (12.0%): check the source; if the deletes are real, deliverance deletes --table T --confirm; waiting for their earlier tombstones to load: design',
    );
    expect(runDeletesText({ reconciled: 1, tombstones: {}, held: {}, waiting: [] })).toBe(
      'deletes: 1 table reconciled, 0 tombstones landed',
    );
  });

  it("puts the batch's deletes line in its summary, and the run's tombstones and holds in the closing line", () => {
    const landed = cycle([reconciled('sales_order', { landed: 1 })]);
    const held = cycle([reconciled('payment', { held: { keys: 7, share: 1, at: AT } })]);
    expect(formatCycleSummary(landed)).toContain(
      '\ndeletes: 1 table reconciled, 1 tombstone landed (sales_order 1)',
    );
    expect(formatCycleSummary(cycle())).not.toContain('deletes:');
    expect(runSummary([landed, held])).toBe(
      '2 batches, 6 rows landed, 0 loaded (0 new or changed), 0 set aside, 1 tombstone landed, deletes of payment held by the guard',
    );
    expect(runSummary([cycle()])).toBe(
      '1 batch, 3 rows landed, 0 loaded (0 new or changed), 0 set aside',
    );
  });
});
