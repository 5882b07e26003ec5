import { replayBatch } from '../../cli/commands/replay';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle, type CycleResult } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { startTestStack, type TestStack } from '../integration/support/test-stack';

// Two batches bring one design row with the same last_updated and different names: the source
// changed the row twice within one timestamp (one transaction, or a writer that does not move
// last_updated), and the ingest's overlap read it again.

let stack: TestStack;
let older: CycleResult;
let newer: CycleResult;
let designId: number;

const designName = async () =>
  (
    await stack.warehouse.query<{ name: string; batch: string }>(
      'SELECT design_name AS name, source_batch_id AS batch FROM dim_design WHERE design_id = $1',
      [designId],
    )
  ).rows[0];

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
  const { rows } = await stack.source.query<{ design_id: number }>(
    `UPDATE design SET design_name = 'Tie, first', last_updated = date_trunc('milliseconds', now()) - interval '5 seconds'
      WHERE design_id = (SELECT min(design_id) FROM design) RETURNING design_id`,
  );
  designId = rows[0]!.design_id;
  older = await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
  await stack.source.query(`UPDATE design SET design_name = 'Tie, second' WHERE design_id = $1`, [
    designId,
  ]);
  newer = await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

describe('a tie of source_updated_at between two batches', () => {
  it('the later batch wins a tie when the batches load in order', async () => {
    expect(older.ingest.batchId < newer.ingest.batchId).toBe(true);
    expect(await designName()).toEqual({ name: 'Tie, second', batch: newer.ingest.batchId });
  });

  it('replaying the older batch with --force does not revert the dimension, and the warehouse equals the reference', async () => {
    const replayed = await replayBatch(stack, {
      batchId: older.ingest.batchId,
      stage: 'load',
      force: true,
      logger: silentLogger,
    });
    expect(replayed.load.skipped).toBe(false);
    expect(replayed.load.tables.find((t) => t.table === 'dim_design')?.staged).toBeGreaterThan(0);
    expect(await designName()).toEqual({ name: 'Tie, second', batch: newer.ingest.batchId });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('re-transforming and reloading the older batch from landing does not revert it either', async () => {
    await replayBatch(stack, {
      batchId: older.ingest.batchId,
      stage: 'transform',
      force: true,
      logger: silentLogger,
    });
    expect((await designName())?.name).toBe('Tie, second');
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
