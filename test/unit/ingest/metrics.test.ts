import { metricsOf } from '../../../lambdas/ingest/metrics';
import type { IngestRun } from '../../../lambdas/ingest/stage';
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
