import type { Pool } from 'pg';
import { replayBatch } from '../../cli/commands/replay';
import { formatStatusText } from '../../cli/status/format-status-text';
import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { runRecordKey } from '../../contract/key-layout';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { ingestBatch, loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * The run log is history: a replay adds a record beside the run that did the work, and a
 * failure a later run made good stays listed, marked resolved.
 */

/** A database that cannot be reached: every connection attempt is refused. */
function unreachable(pool: Pool, what: string): Pool {
  const failing = Object.create(pool) as Pool;
  const refuse = () => Promise.reject(new Error(`injected: the ${what} refused the connection`));
  failing.connect = refuse as Pool['connect'];
  failing.query = refuse as Pool['query'];
  return failing;
}

let stack: TestStack;
const options = { logger: silentLogger, overlapSeconds: 300 };
const status = () => collectStatus(localStatusSources(stack), { limit: 10 });

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
}, 900_000);
afterAll(() => stack?.stop());

describe('the run log keeps its history', () => {
  it('keeps the run that loaded a batch when a forced replay loads it again, the replay beside it', async () => {
    const batchId = (await runCycle(stack, options)).ingest.batchId;
    const before = (await status()).runs.find((r) => r.batchId === batchId)!;
    expect(before.replays).toEqual([]);

    await replayBatch(stack, { batchId, stage: 'load', force: true, logger: silentLogger });

    const after = (await status()).runs.find((r) => r.batchId === batchId)!;
    expect(after.stages.load).toEqual(before.stages.load);
    expect(after.replays).toEqual([expect.objectContaining({ stage: 'load', state: 'success' })]);
    expect(after.replays[0]!.startedAt! > before.stages.load.finishedAt!).toBe(true);
    const log = new ObjectStoreRunLog(stack.processed);
    expect((await log.attempts(batchId, 'load')).map((r) => r.startedAt)).toEqual([
      before.stages.load.startedAt,
      after.replays[0]!.startedAt,
    ]);
    expect(formatStatusText(await status())).toContain(`  replayed: ${batchId} load at `);
  });

  it('keeps a record written before every run was kept, when a replay comes after it', async () => {
    const batchId = (await runCycle(stack, options)).ingest.batchId;
    const log = new ObjectStoreRunLog(stack.processed);
    const [original] = await log.attempts(batchId, 'transform');
    // As an earlier release left it: the newest record only.
    await stack.processed.put(runRecordKey(batchId, 'transform'), JSON.stringify(original));
    for (const key of await stack.processed.list(`runs/${batchId}/transform.`)) {
      if (key !== runRecordKey(batchId, 'transform')) await stack.processed.delete(key);
    }
    expect(await log.attempts(batchId, 'transform')).toEqual([]);

    await replayBatch(stack, { batchId, stage: 'transform', force: true, logger: silentLogger });

    const kept = await log.attempts(batchId, 'transform');
    expect(kept.map((r) => r.startedAt)).toEqual([
      original!.startedAt,
      expect.not.stringMatching(original!.startedAt),
    ]);
    const run = (await status()).runs.find((r) => r.batchId === batchId)!;
    expect(run.stages.transform.startedAt).toBe(original!.startedAt);
  });

  it('marks a failed load resolved once the same batch loads, and lists it apart', async () => {
    const ingest = await ingestBatch(stack, options);
    const transformed = await transformBatch(stack, ingest.manifestKey, silentLogger);
    await expect(
      loadBatch(
        { ...stack, warehouse: unreachable(stack.warehouse, 'warehouse') },
        transformed.manifestKey,
        silentLogger,
      ),
    ).rejects.toThrow('injected');
    const failed = (await status()).failures.find((f) => f.batchId === ingest.batchId);
    expect(failed).toMatchObject({ stage: 'load', resolvedAt: null, resolvedBy: null });

    await loadBatch(stack, transformed.manifestKey, silentLogger);
    const success = await new ObjectStoreRunLog(stack.processed).read(ingest.batchId, 'load');
    expect(success?.state).toBe('success');

    const now = await status();
    expect(now.failures.filter((f) => f.batchId === ingest.batchId)).toEqual([
      {
        ...failed,
        resolvedAt: success!.finishedAt,
        resolvedBy: ingest.batchId,
      },
    ]);
    expect(now.runs.find((r) => r.batchId === ingest.batchId)?.stages.load.state).toBe('success');
    const text = formatStatusText(now);
    expect(text).toMatch(/^failures: none$/m);
    expect(text).toContain(
      `resolved failures (1), made good by a later run:\n  ${ingest.batchId} load at`,
    );
  });

  it('marks a failed ingest resolved by the next ingest that succeeds, under its own batch', async () => {
    await expect(
      ingestBatch({ ...stack, source: unreachable(stack.source, 'source') }, options),
    ).rejects.toThrow('injected');
    const failed = (await status()).failures.find((f) => f.stage === 'ingest');
    expect(failed).toMatchObject({ resolvedAt: null });

    const next = await runCycle(stack, options);

    const resolved = (await status()).failures.find((f) => f.batchId === failed!.batchId);
    expect(resolved).toMatchObject({ stage: 'ingest', resolvedBy: next.ingest.batchId });
    expect(resolved!.resolvedAt! >= failed!.at).toBe(true);
  });
});
