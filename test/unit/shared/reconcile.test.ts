import {
  ReconciliationError,
  describeMismatches,
  findBatchGaps,
  reconcileLandingWithTransform,
  tableOfLandingKey,
} from '../../../lambdas/shared/core/reconcile';
import type { LandingManifest, ProcessedManifest } from '../../../lambdas/shared/core/manifest';

const BATCH = '20261123T043451123Z-3f9a1c';

function landing(rows: Partial<Record<'sales_order' | 'payment' | 'staff' | 'address', number>>) {
  return {
    kind: 'landing',
    version: 1,
    batchId: BATCH,
    startedAt: '2026-11-23T04:34:51.123Z',
    finishedAt: '2026-11-23T04:34:52.000Z',
    tables: Object.entries(rows).map(([table, n]) => ({
      table,
      keys: n ? [`${table}/${BATCH}.jsonl`] : [],
      rows: n,
      bytes: n * 100,
      from: null,
      to: '2026-11-23T04:34:51.000Z',
      newest: null,
    })),
  } as LandingManifest;
}

const LANDING = 'deliverance-landing';

/** As transform writes it: quarantined objects named `s3://bucket/key` (quarantineObject). */
function processed(
  sourceRows: Record<string, number>,
  quarantinedTables: string[] = [],
  setAside: Partial<Record<'sales_order' | 'payment' | 'staff', number>> = {},
): ProcessedManifest {
  return {
    kind: 'processed',
    version: 1,
    batchId: BATCH,
    startedAt: '2026-11-23T04:34:53.000Z',
    finishedAt: '2026-11-23T04:34:54.000Z',
    sourceRows,
    tables: [],
    newestSourceChange: null,
    completeUpTo: null,
    quarantined: quarantinedTables.map((t) => ({
      source: `s3://${LANDING}/${t}/${BATCH}.jsonl`,
      quarantineKey: `quarantine/${t}/${BATCH}.jsonl`,
      reason: 'line 3 is not JSON',
    })),
    quarantinedRows: Object.entries(setAside).map(([table, rows]) => ({
      table: table as 'sales_order',
      rows,
      quarantineKey: `quarantine/rows/${table}/${BATCH}.jsonl`,
      first: [],
    })),
  };
}

describe('reconciling landing with transform', () => {
  it('agrees when transform read every landed row, tables without rows included', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ sales_order: 120, payment: 0 }),
      processed({ sales_order: 120 }),
    );
    expect(verdict).toEqual({ batchId: BATCH, mismatches: [], quarantinedTables: [] });
  });

  it('reports a table transform read fewer rows of than landing holds', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ sales_order: 120, staff: 4 }),
      processed({ sales_order: 119, staff: 4 }),
    );
    expect(verdict.mismatches).toEqual([
      { table: 'sales_order', check: 'landing-vs-transform', expected: 120, actual: 119 },
    ]);
  });

  it('reports rows read of a table landing never listed', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ staff: 4 }),
      processed({ staff: 4, payment: 2 }),
    );
    expect(verdict.mismatches).toEqual([
      { table: 'payment', check: 'landing-vs-transform', expected: 0, actual: 2 },
    ]);
  });

  it('counts a quarantined object as rows missing: the batch is refused with the numbers and the object', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ sales_order: 120, payment: 10 }),
      processed({ payment: 10 }, ['sales_order']),
    );
    expect(verdict.mismatches).toEqual([
      {
        table: 'sales_order',
        check: 'landing-vs-transform',
        expected: 120,
        actual: 0,
        quarantinedObjects: [`s3://${LANDING}/sales_order/${BATCH}.jsonl`],
      },
    ]);
    expect(verdict.quarantinedTables).toEqual(['sales_order']);
    expect(describeMismatches(BATCH, verdict.mismatches)).toBe(
      `Batch ${BATCH} does not reconcile (sales_order: landing holds 120 rows, transform read 0): ` +
        `s3://${LANDING}/sales_order/${BATCH}.jsonl is quarantined: fix it (see quarantine/<key>.reason.json), ` +
        `then run deliverance replay --batch ${BATCH} --force`,
    );
  });

  it('is a fatal ReconciliationError by name, as logs and the run log show it', () => {
    const error = new ReconciliationError('Batch b does not reconcile');
    expect(error.name).toBe('ReconciliationError');
    expect(error.kind).toBe('fatal');
  });

  it('names every quarantined object, in the plural when there are several', () => {
    const objects = [`s3://${LANDING}/a.jsonl`, `s3://${LANDING}/b.jsonl`];
    const mismatch = {
      table: 'sales_order' as const,
      check: 'landing-vs-transform' as const,
      expected: 2,
      actual: 0,
      quarantinedObjects: objects,
    };
    expect(describeMismatches(BATCH, [mismatch])).toBe(
      `Batch ${BATCH} does not reconcile (sales_order: landing holds 2 rows, transform read 0): ` +
        `${objects.join(', ')} are quarantined: fix them (see quarantine/<key>.reason.json), ` +
        `then run deliverance replay --batch ${BATCH} --force`,
    );
  });

  it('agrees when the rows read and the rows set aside add up to the rows landed', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ sales_order: 120, payment: 10 }),
      processed({ sales_order: 118, payment: 9 }, [], { sales_order: 2, payment: 1 }),
    );
    expect(verdict.mismatches).toEqual([]);
  });

  it('refuses rows set aside that do not add up, with the numbers', () => {
    const verdict = reconcileLandingWithTransform(
      landing({ sales_order: 120, staff: 3 }),
      processed({ sales_order: 117, staff: 0 }, [], { sales_order: 2, staff: 3 }),
    );
    expect(verdict.mismatches).toEqual([
      {
        table: 'sales_order',
        check: 'landing-vs-transform',
        expected: 120,
        actual: 117,
        setAside: 2,
      },
    ]);
    expect(describeMismatches(BATCH, verdict.mismatches)).toContain(
      'sales_order: landing holds 120 rows, transform read 117 and set aside 2',
    );
  });

  it('reconciles tombstones: landed = passed on + set aside, per table, and names the numbers', () => {
    const landed = {
      tables: [
        {
          table: 'sales_order' as const,
          rows: 0,
          from: null,
          to: '2026-11-23T04:34:51Z',
          tombstones: 5,
        },
        { table: 'staff' as const, rows: 0, from: null, to: '2026-11-23T04:34:51Z', tombstones: 2 },
      ],
    };
    const deletes = (sales: number, staff: number) => ({
      ...processed({ sales_order: 0, staff: 0 }),
      deletes: [
        { source: 'sales_order' as const, table: 'fact_sales_order', rows: sales, setAside: 1 },
        { source: 'staff' as const, table: 'dim_staff', rows: staff, setAside: 0 },
      ],
    });
    expect(reconcileLandingWithTransform(landed, deletes(4, 2)).mismatches).toEqual([]);
    const verdict = reconcileLandingWithTransform(landed, deletes(3, 0));
    expect(verdict.mismatches).toEqual([
      { table: 'sales_order', check: 'tombstones', expected: 5, actual: 3, setAside: 1 },
      { table: 'staff', check: 'tombstones', expected: 2, actual: 0 },
    ]);
    expect(describeMismatches(BATCH, verdict.mismatches)).toContain(
      'sales_order: landing holds 5 tombstones, transform passed on 3 and set aside 1; staff: landing holds 2 tombstones, transform passed on 0',
    );
    // Tombstones the transform made up, of a table landing held none of, are refused too.
    expect(reconcileLandingWithTransform(landing({ staff: 0 }), deletes(0, 0)).mismatches).toEqual([
      { table: 'sales_order', check: 'tombstones', expected: 0, actual: 0, setAside: 1 },
    ]);
  });

  it('reads the table of a landing object named as transform names it, s3://bucket/key, or by key', () => {
    expect(tableOfLandingKey(`s3://${LANDING}/sales_order/${BATCH}.1.jsonl`)).toBe('sales_order');
    expect(tableOfLandingKey(`s3://${LANDING}/quarantine/payment/${BATCH}.jsonl`)).toBe('payment');
    expect(tableOfLandingKey(`staff/${BATCH}.jsonl`)).toBe('staff');
    expect(tableOfLandingKey(`quarantine/address/${BATCH}.jsonl`)).toBe('address');
  });

  it('names every mismatch and the next step in one line', () => {
    const message = describeMismatches(BATCH, [
      { table: 'sales_order', check: 'landing-vs-transform', expected: 120, actual: 119 },
      { table: 'fact_payment', check: 'processed-vs-staged', expected: 5, actual: 4 },
    ]);
    expect(message).toContain('sales_order: landing holds 120 rows, transform read 119');
    expect(message).toContain('fact_payment: processed manifest lists 5 rows, load staged 4');
    expect(message).toBe(
      `Batch ${BATCH} does not reconcile (sales_order: landing holds 120 rows, transform read 119; ` +
        'fact_payment: processed manifest lists 5 rows, load staged 4): re-run the transform for this batch, then the load',
    );
  });

  it('lists the quarantined tables in name order, whether named by landing or quarantine key', () => {
    const manifest = processed({}, ['staff', 'payment']);
    const byQuarantineKey = {
      ...manifest,
      quarantined: [
        ...manifest.quarantined,
        {
          source: `s3://${LANDING}/quarantine/address/${BATCH}.jsonl`,
          quarantineKey: '',
          reason: 'not JSON',
        },
      ],
    };
    const verdict = reconcileLandingWithTransform(
      landing({ address: 3, staff: 4 }),
      byQuarantineKey,
    );
    expect(verdict.quarantinedTables).toEqual(['address', 'payment', 'staff']);
    expect(verdict.mismatches.map((m) => m.table)).toEqual(['address', 'staff']);
  });

  it('takes no rows read of a table landing never listed as a mismatch', () => {
    expect(
      reconcileLandingWithTransform(landing({ staff: 4 }), processed({ staff: 4, payment: 0 }))
        .mismatches,
    ).toEqual([]);
  });
});

describe('gaps in the batch sequence', () => {
  const [a, b, c] = [
    '20261123T040000000Z-000001',
    '20261123T040500000Z-000002',
    '20261123T041000000Z-000003',
  ];

  it('finds a landed batch that was never transformed while a later one was', () => {
    expect(findBatchGaps({ landed: [a, b, c], transformed: [a, c], loaded: [a, c] })).toEqual([
      { batchId: b, missing: 'transform', laterBatchId: c },
    ]);
  });

  it('finds a transformed batch missing from the load log between loaded ones', () => {
    expect(findBatchGaps({ landed: [a, b, c], transformed: [a, b, c], loaded: [a, c] })).toEqual([
      { batchId: b, missing: 'load', laterBatchId: c },
    ]);
  });

  it('finds gaps against the newest batch, in batch order, whatever order the ids come in', () => {
    const d = '20261123T041500000Z-000004';
    expect(findBatchGaps({ landed: [d, c, b, a], transformed: [d, b, a], loaded: [d, a] })).toEqual(
      [
        { batchId: b, missing: 'load', laterBatchId: d },
        { batchId: c, missing: 'transform', laterBatchId: d },
      ],
    );
  });

  it('does not call a parked batch a gap, at either stage: status reports it as parked', () => {
    const d = '20261123T041500000Z-000004';
    expect(
      findBatchGaps({
        landed: [a, b, c, d],
        transformed: [a, c, d],
        loaded: [a, d],
        parked: [b, c],
      }),
    ).toEqual([]);
  });

  it('does not call the newest batches in flight a gap', () => {
    expect(findBatchGaps({ landed: [a, b, c], transformed: [a, b], loaded: [a] })).toEqual([]);
  });
});
