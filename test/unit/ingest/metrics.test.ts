import { metricsOf } from '../../../lambdas/ingest/metrics';
import type { IngestRun } from '../../../lambdas/ingest/ingest-stage';
import { ingestResult, landedTable } from './landed-batch';

function run(change: Partial<IngestRun> = {}): IngestRun {
  const removed = {
    batchIds: ['20261123T040000000Z-000000'],
    keys: ['staff/a.jsonl', 'payment/a.jsonl'],
  };
  return {
    ...ingestResult([landedTable('staff', 3), landedTable('payment', 4)], { removed }),
    seconds: 1.5,
    ...change,
  };
}

describe('ingest metrics', () => {
  it('counts the rows landed, the success, the objects removed, no future-stamped rows, no zone step, no stopped table and the duration', () => {
    expect(metricsOf({ kind: 'ran', run: run() })).toEqual([
      { name: 'RowsIngested', value: 7 },
      { name: 'IngestSucceeded', value: 1 },
      { name: 'UnfinishedObjectsRemoved', value: 2 },
      { name: 'FutureStampedRows', value: 0 },
      { name: 'SourceClockStepBack', value: 0 },
      { name: 'SchemaChangeStoppedTables', value: 0 },
      { name: 'StageDurationMs', value: 1500 },
    ]);
  });

  it("counts every table's rows stamped past the source's clock, not only the ones it names", () => {
    const futureStamped = [
      {
        table: 'payment',
        rows: 12,
        keys: [{ key: 1, lastUpdated: '9999-12-31T00:00:00.000000Z' }],
      },
      { table: 'staff', rows: 1, keys: [{ key: 7, lastUpdated: '2027-01-01T00:00:00.000000Z' }] },
    ];
    expect(metricsOf({ kind: 'ran', run: run({ futureStamped }) })).toContainEqual({
      name: 'FutureStampedRows',
      value: 13,
    });
  });

  it("reports the largest step back of the source's TimeZone", () => {
    const zoneStepBack = {
      database: 'totesys',
      zone: 'UTC',
      seconds: 3600,
      tables: { staff: 3600, payment: 1800 },
    };
    expect(metricsOf({ kind: 'ran', run: run({ zoneStepBack }) })).toContainEqual({
      name: 'SourceClockStepBack',
      value: 3600,
    });
  });

  it('counts the tables a schema change stopped, not those held after them', () => {
    const schema = {
      stopped: ['staff', 'payment'] as const,
      held: ['sales_order'] as const,
      changes: [],
    };
    expect(metricsOf({ kind: 'ran', run: run({ schema }) })).toContainEqual({
      name: 'SchemaChangeStoppedTables',
      value: 2,
    });
  });

  it('counts a backlog batch started, and nothing for a backlog that stalled', () => {
    expect(metricsOf({ kind: 'ran', run: run({ backlog: 'next-batch-started' }) })).toContainEqual({
      name: 'BacklogBatchStarted',
      value: 1,
    });
    expect(
      metricsOf({ kind: 'ran', run: run({ backlog: 'stalled' }) }).map((m) => m.name),
    ).not.toContain('BacklogBatchStarted');
  });

  it("counts every table's tombstones landed and the keys the deletes guard holds, when deletes ran", () => {
    const deleted = (table: 'staff' | 'payment', landed: number) => ({
      table,
      compared: { source: 10, warehouse: 10 + landed },
      read: { source: 0, warehouse: 0 },
      landed,
      capped: false,
    });
    const metrics = metricsOf({
      kind: 'ran',
      run: run({ deletes: { tables: [deleted('staff', 2), deleted('payment', 3)], heldKeys: 4 } }),
    });
    expect(metrics).toContainEqual({ name: 'TombstonesLanded', value: 5 });
    expect(metrics).toContainEqual({ name: 'DeletesHeld', value: 4 });
  });
});
