import {
  formatDeletesCost,
  type DeletesCostCase,
  type DeletesCostReport,
} from '../../../bench/deletes-cost';

function measured(label: string, extra: Partial<DeletesCostCase>): DeletesCostCase {
  return {
    label,
    sourceKeys: 250_000,
    queries: { source: 2, warehouse: 2 },
    read: { source: 0, warehouse: 0 },
    found: 0,
    seconds: 0.5,
    sourceCpuSeconds: 0.2,
    ...extra,
  };
}

const REPORT: DeletesCostReport = {
  scale: 25,
  date: '2026-12-05',
  machine: '2 × CPU, 8 GB',
  rounds: 3,
  table: 'sales_order',
  warehouseTable: 'fact_sales_order',
  deleted: 10,
  baseline: measured('every key', {
    queries: { source: 1, warehouse: 0 },
    read: { source: 250_000, warehouse: 0 },
    sourceCpuSeconds: 0.1,
  }),
  unchanged: measured('nothing differs', {}),
  withDeletes: measured('10 deleted', {
    sourceKeys: 249_990,
    queries: { source: 52, warehouse: 52 },
    read: { source: 2_550, warehouse: 2_560 },
    found: 10,
    sourceCpuSeconds: 0.25,
  }),
};

describe("the deletes reconciliation's cost line", () => {
  it('puts the source CPU per million rows beside the ratio to reading every key', () => {
    const text = formatDeletesCost(REPORT);
    expect(text).toContain(
      'reconciliation of sales_order, source CPU per million rows: 0.80 s where nothing differs (2.00× reading every key), 1.00 s with 10 keys deleted (2.50×)',
    );
    expect(text).toContain(
      'keys sent by the source: 2,550 of 249,990 with 10 deleted; reading every key sends 250,000',
    );
    expect(text).toContain(
      '| 10 deleted | 249,990 | 52 / 52 | 2,550 / 2,560 | 0.500 | 0.250 | 1.00 | 2.50× |',
    );
    expect(text).toMatch(/^### Deletes reconciliation, scale 25$/m);
  });

  it('gives no ratio when reading every key took less than a tick of CPU', () => {
    const text = formatDeletesCost({
      ...REPORT,
      baseline: { ...REPORT.baseline, sourceCpuSeconds: 0 },
    });
    expect(text).toContain('0.80 s where nothing differs (– reading every key)');
  });
});
