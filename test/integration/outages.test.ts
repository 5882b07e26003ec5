import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../../lambdas/shared/adapters/database-pool';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { freePort } from '../../local/free-port';
import { aloneInWarehouse } from '../../lambdas/load/catch-up-lock';
import { catchUp } from '../../lambdas/shared/catch-up';
import { PostgresLoadLog } from '../../lambdas/shared/adapters/postgres-load-log';
import { pendingLoads, pendingTransforms } from '../../lambdas/shared/pending-batches';
import { stageStores } from '../../lambdas/shared/scoped-object-store';
import { ingestBatch, loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startFaultyS3, type FaultyS3 } from './support/s3-fault-proxy';
import { startTestStack, type TestStack } from './support/test-stack';

let stack: TestStack;
let closedPort: number;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
  closedPort = await freePort();
});
afterAll(() => stack.stop());

const PASSWORD = 'hunter2-do-not-print';

/** Watermarks and the load log: what a failed run must leave untouched. */
async function progress(): Promise<unknown> {
  const log = await stack.warehouse.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM etl.load_log',
  );
  return {
    watermarks: await Promise.all(SOURCE_TABLE_NAMES.map((t) => stack.watermarks.read(t))),
    loaded: log.rows[0]!.n,
  };
}

async function changeTotesys(): Promise<void> {
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 4, paidPayments: 2 }).finally(() =>
    client.release(),
  );
}

/** Runs a cycle that must fail; answers its message after checking nothing advanced. */
async function failingCycle(context: TestStack): Promise<string> {
  const before = await progress();
  const error = await runCycle(context, { logger: silentLogger, overlapSeconds: 300 }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(typeof error?.message).toBe('string');
  expect(await progress()).toEqual(before);
  return error!.message;
}

/**
 * One scheduled cycle as it runs in AWS: the ingest, then each stage's event delivered up to
 * three times (Lambda's two retries) to what its handler does: catch up on the earlier batches
 * the stage owes, then the event's batch. Answers the message of every failed attempt; an event
 * whose attempts all fail is dead-lettered, and the next stage's event never comes. The ingest
 * reads no overlap, so a batch holds only its own changes: it cannot carry an earlier batch's
 * rows along, as after an outage longer than the overlap.
 */
async function scheduledCycle(context: TestStack): Promise<string[]> {
  const failed: string[] = [];
  const deliver = async (attempt: () => Promise<string>): Promise<string | undefined> => {
    for (let i = 0; i < 3; i += 1) {
      try {
        return await attempt();
      } catch (error) {
        failed.push((error as Error).message);
      }
    }
    return undefined;
  };
  const { manifestKey: landed, batchId } = await ingestBatch(context, {
    logger: silentLogger,
    overlapSeconds: 0,
  });
  const processed = await deliver(async () => {
    await catchUp({
      stage: 'transform',
      logger: silentLogger,
      pending: () => pendingTransforms(stageStores('transform', context), { before: batchId }),
      run: (key) => transformBatch(context, key, silentLogger),
    });
    return (await transformBatch(context, landed, silentLogger)).manifestKey;
  });
  if (processed) {
    await deliver(async () => {
      await catchUp({
        stage: 'load',
        logger: silentLogger,
        pending: () =>
          pendingLoads(
            stageStores('load', context).processed,
            new PostgresLoadLog(context.warehouse),
            {
              before: batchId,
            },
          ),
        run: (key) => loadBatch(context, key, silentLogger),
        alone: (drain) => aloneInWarehouse(context.warehouse, drain),
      });
      return (await loadBatch(context, processed, silentLogger)).batchId;
    });
  }
  return failed;
}

async function catchesUp(): Promise<void> {
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
  expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
}

describe('outages: one clear line, nothing advanced, the next run catches up', () => {
  beforeEach(changeTotesys);

  it('the source database unreachable', async () => {
    const source = createPool(
      { connectionString: `postgres://etl:${PASSWORD}@127.0.0.1:${closedPort}/totesys` },
      2,
      'source',
    );
    try {
      const message = await failingCycle({ ...stack, source });
      expect(message).toBe(
        `Cannot reach the source database at 127.0.0.1:${closedPort}/totesys (ECONNREFUSED): check DELIVERANCE_SOURCE_URL / the source secret (SOURCE_SECRET_ID)`,
      );
    } finally {
      await source.end();
    }
    await catchesUp();
  });

  it('the warehouse unreachable', async () => {
    const warehouse = createPool(
      { connectionString: `postgres://etl:${PASSWORD}@127.0.0.1:${closedPort}/warehouse` },
      2,
      'warehouse',
    );
    try {
      const message = await failingCycle({ ...stack, warehouse });
      expect(message).toMatch(
        /^Cannot reach the warehouse database at 127\.0\.0\.1:\d+\/warehouse \(ECONNREFUSED\): check DELIVERANCE_WAREHOUSE_URL/,
      );
    } finally {
      await warehouse.end();
    }
    await catchesUp();
  });

  it('the warehouse unreachable across five batches, every retry spent: the next scheduled cycle heals it', async () => {
    const warehouse = createPool(
      { connectionString: `postgres://etl:${PASSWORD}@127.0.0.1:${closedPort}/warehouse` },
      2,
      'warehouse',
    );
    const loadedBefore = ((await progress()) as { loaded: number }).loaded;
    try {
      for (let batch = 1; batch <= 5; batch += 1) {
        if (batch > 1) await changeTotesys();
        expect(await scheduledCycle({ ...stack, warehouse })).toEqual(
          Array(3).fill(expect.stringMatching(/^Cannot reach the warehouse database/)),
        );
      }
    } finally {
      await warehouse.end();
    }
    expect((await progress()) as { loaded: number }).toMatchObject({ loaded: loadedBefore });
    expect(await compareWithReference(stack.source, stack.warehouse)).not.toEqual([]);

    await changeTotesys();
    expect(await scheduledCycle(stack)).toEqual([]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    expect((await progress()) as { loaded: number }).toMatchObject({ loaded: loadedBefore + 6 });
  });

  it('wrong credentials for the source, without printing the password', async () => {
    const url = new URL(stack.stack.postgres!.url('totesys'));
    url.username = 'nobody';
    url.password = PASSWORD;
    const source = createPool({ connectionString: url.toString() }, 2, 'source');
    try {
      const message = await failingCycle({ ...stack, source });
      expect(message).toMatch(
        /^The source database at 127\.0\.0\.1:\d+\/totesys refused the connection \(.*nobody.*\): check DELIVERANCE_SOURCE_URL/,
      );
      expect(message).not.toContain(PASSWORD);
    } finally {
      await source.end();
    }
    await catchesUp();
  });

  describe('S3 answering 503 SlowDown, below the real S3ObjectStore and the SDK', () => {
    let s3: FaultyS3 | undefined;
    afterEach(async () => {
      await s3?.stop();
      s3 = undefined;
    });
    const throttled = (operation: string, bucket: string, suffix: string) =>
      new RegExp(
        `^S3 ${operation} s3://${bucket}/\\S+\\${suffix} failed: SlowDown: Please reduce your request rate\\.$`,
      );
    /** The proxy refused the key the message names, every attempt the SDK made at it. */
    const refusedEveryAttempt = (message: string) => {
      const key = /s3:\/\/[^/]+\/(\S+) failed/.exec(message)?.[1];
      expect(s3!.refused.filter((r) => r.key === key).length).toBeGreaterThan(1);
    };

    it("ingest's upload of a table file: nothing advances, the message names bucket and key", async () => {
      const bucket = stack.landing.bucket;
      s3 = await startFaultyS3(
        stack.stack.s3!.endpoint.url!,
        (r) => r.method === 'PUT' && r.bucket === bucket && r.key.endsWith('.jsonl'),
      );
      const message = await failingCycle({ ...stack, landing: s3.store(bucket) });
      expect(message).toMatch(throttled('multipart upload of', bucket, '.jsonl'));
      refusedEveryAttempt(message);
      await catchesUp();
    });

    it("transform's upload of a Parquet file, then the load's read of one: nothing is loaded", async () => {
      const bucket = stack.processed.bucket;
      for (const [method, operation] of [
        ['PUT', 'multipart upload of'],
        ['GET', 'GetObject'],
      ] as const) {
        s3 = await startFaultyS3(
          stack.stack.s3!.endpoint.url!,
          (r) => r.method === method && r.bucket === bucket && r.key.endsWith('.parquet'),
        );
        const { loaded } = (await progress()) as { loaded: number };
        const message = await runCycle(
          { ...stack, processed: s3.store(bucket) },
          { logger: silentLogger, overlapSeconds: 300 },
        ).then(
          () => '',
          (e: Error) => e.message,
        );
        expect(message).toMatch(throttled(operation, bucket, '.parquet'));
        refusedEveryAttempt(message);
        expect((await progress()) as { loaded: number }).toMatchObject({ loaded });
        await s3.stop();
        s3 = undefined;
      }
      await catchesUp();
    });
  });

  it('the CLI exits non-zero with one line naming what and where', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'dlv-outage-'));
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['bin/deliverance.cjs', 'run'], {
          cwd: join(__dirname, '..', '..'),
          env: {
            ...process.env,
            DELIVERANCE_SOURCE_URL: `postgres://etl:${PASSWORD}@127.0.0.1:${closedPort}/totesys`,
            DELIVERANCE_WAREHOUSE_URL: stack.stack.postgres!.url('warehouse'),
            DELIVERANCE_S3_ENDPOINT: stack.stack.s3!.endpoint.url,
            DELIVERANCE_STATE_DIR: stateDir,
            AWS_ACCESS_KEY_ID: 'S3RVER',
            AWS_SECRET_ACCESS_KEY: 'S3RVER',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n').filter((l) => l.startsWith('deliverance:'));
      expect(lines).toEqual([
        `deliverance: Cannot reach the source database at 127.0.0.1:${closedPort}/totesys (ECONNREFUSED): check DELIVERANCE_SOURCE_URL / the source secret (SOURCE_SECRET_ID)`,
      ]);
      expect(result.stderr).not.toContain(PASSWORD);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
