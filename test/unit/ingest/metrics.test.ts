import { metricsOf } from '../../../lambdas/ingest/metrics';
import type { IngestRun } from '../../../lambdas/ingest/stage';
import type { LandedTable } from '../../../lambdas/shared/core/manifest';

const BATCH = '20261123T043451123Z-3f9a1c';

function run(change: Partial<IngestRun> = {}): IngestRun {
  const table = (name: 'staff' | 'payment', rows: number): LandedTable => ({
    table: name,
    keys: [`${name}/${BATCH}.jsonl`],
    rows,
    bytes: rows * 10,
    from: null,
    to: '2026-11-23T04:34:51.000Z',
    newest: null,
  });
  return {
    batchId: BATCH,
    manifestKey: `manifests/${BATCH}.json`,
    manifest: {
      kind: 'landing',
      version: 1,
      batchId: BATCH,
      startedAt: '2026-11-23T04:34:51.123Z',
      finishedAt: '2026-11-23T04:34:52.000Z',
      tables: [table('staff', 3), table('payment', 4)],
    },
    removed: {
      batchIds: ['20261123T040000000Z-000000'],
      keys: ['staff/a.jsonl', 'payment/a.jsonl'],
    },
    caughtUp: true,
    seconds: 1.5,
    ...change,
  };
}

describe('ingest metrics', () => {
  it('counts the rows landed, the success, the objects removed and the duration', () => {
    expect(metricsOf(run())).toEqual([
      { name: 'RowsIngested', value: 7 },
      { name: 'IngestSucceeded', value: 1 },
      { name: 'UnfinishedObjectsRemoved', value: 2 },
      { name: 'StageDurationMs', value: 1500 },
    ]);
  });

  it('counts a backlog batch started, and nothing for a backlog that stalled', () => {
    expect(metricsOf(run({ backlog: 'next-batch-started' }))).toContainEqual({
      name: 'BacklogBatchStarted',
      value: 1,
    });
    expect(metricsOf(run({ backlog: 'stalled' })).map((m) => m.name)).not.toContain(
      'BacklogBatchStarted',
    );
  });
});
