import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayBatch } from '../../cli/commands/replay';
import { runRecordKey } from '../../contract/key-layout';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle, type CycleResult } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
let first: CycleResult;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  first = await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

async function snapshotOfWarehouse(): Promise<unknown> {
  const result = await stack.warehouse.query(
    `SELECT (SELECT count(*) FROM fact_sales_order) AS sales, (SELECT count(*) FROM fact_payment) AS payments,
            (SELECT count(*) FROM dim_staff) AS staff, (SELECT count(*) FROM etl.load_log) AS batches`,
  );
  return result.rows[0];
}

describe('deliverance replay', () => {
  it('replaying a loaded batch from landing or processed objects is a no-op, and leaves the records of the runs that did it', async () => {
    const before = await snapshotOfWarehouse();
    const records = () =>
      Promise.all(
        (['transform', 'load'] as const).map(async (stage) =>
          (await stack.processed.get(runRecordKey(first.ingest.batchId, stage))).toString('utf8'),
        ),
      );
    const recordsBefore = await records();
    const fromLanding = await replayBatch(stack, {
      batchId: first.ingest.batchId,
      stage: 'transform',
      force: false,
      logger: silentLogger,
    });
    expect(fromLanding.transform?.skipped).toBe(true);
    expect(fromLanding.load.skipped).toBe(true);
    const fromProcessed = await replayBatch(stack, {
      batchId: first.ingest.batchId,
      stage: 'load',
      force: false,
      logger: silentLogger,
    });
    expect(fromProcessed.transform).toBeUndefined();
    expect(fromProcessed.load.skipped).toBe(true);
    expect(await snapshotOfWarehouse()).toEqual(before);
    expect(await records()).toEqual(recordsBefore);
  });

  it('--force rewrites the processed objects and re-applies the load, changing nothing', async () => {
    const before = await snapshotOfWarehouse();
    const manifestBefore = (await stack.processed.get(first.transform.manifestKey)).toString();
    const forced = await replayBatch(stack, {
      batchId: first.ingest.batchId,
      stage: 'transform',
      force: true,
      logger: silentLogger,
    });
    expect(forced.transform?.skipped).toBe(false);
    expect(forced.load.skipped).toBe(false);
    expect(
      forced.load.tables.filter((t) => t.table.startsWith('fact_')).map((t) => t.written),
    ).toEqual([0, 0, 0]);
    expect((await stack.processed.get(first.transform.manifestKey)).toString()).not.toBe(
      manifestBefore,
    );
    expect(await snapshotOfWarehouse()).toEqual(before);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('a batch lost from the warehouse is loaded again from its processed objects', async () => {
    // As if the load had never run: its log entry and the facts of the first batch gone.
    await stack.warehouse.query('DELETE FROM fact_payment');
    await stack.warehouse.query('DELETE FROM etl.load_log WHERE batch_id = $1', [
      first.ingest.batchId,
    ]);
    expect(await compareWithReference(stack.source, stack.warehouse)).not.toEqual([]);
    const replayed = await replayBatch(stack, {
      batchId: first.ingest.batchId,
      stage: 'load',
      force: false,
      logger: silentLogger,
    });
    expect(replayed.load.skipped).toBe(false);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('an unknown batch id is refused with the reason', async () => {
    await expect(
      replayBatch(stack, {
        batchId: '20200101T000000000Z-000000',
        stage: 'load',
        force: false,
        logger: silentLogger,
      }),
    ).rejects.toThrow(
      'Batch 20200101T000000000Z-000000 has no processed manifest at s3://deliverance-processed/manifests/20200101T000000000Z-000000.json: nor a landing manifest: check the batch id (deliverance status lists recent batches)',
    );
  });

  it('the command line: replay --batch ID --stage load', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'dlv-replay-cli-'));
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/deliverance.cjs', ...args], {
          cwd: join(__dirname, '..', '..'),
          env: {
            ...process.env,
            DELIVERANCE_SOURCE_URL: stack.stack.postgres!.url('totesys'),
            DELIVERANCE_WAREHOUSE_URL: stack.stack.postgres!.url('warehouse'),
            DELIVERANCE_S3_ENDPOINT: stack.stack.s3!.endpoint.url,
            DELIVERANCE_STATE_DIR: stateDir,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    try {
      const ok = await run(['replay', '--batch', first.ingest.batchId, '--stage', 'load']);
      expect(ok.code).toBe(0);
      // Progress and the closing line go to stderr; the answer stays on stdout.
      expect(ok.stderr).toMatch(
        new RegExp(
          `^replay: done in \\d+\\.\\d s: batch ${first.ingest.batchId} already done, nothing replayed, 0 loaded`,
          'm',
        ),
      );
      expect(ok.stdout).toContain(`load: batch ${first.ingest.batchId} already loaded`);
      const bad = await run(['replay', '--batch', 'yesterday']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('replay needs --batch ID');
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
