import type { Pool, PoolClient } from 'pg';
import { errorKind } from '../../lambdas/shared/core/pipeline-error';
import { ObjectStoreRunLog } from '../../lambdas/shared/adapters/s3-run-log';
import { loadStage } from '../../lambdas/load/load-stage';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { ingestBatch, runCycle, transformBatch } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { startTestStack, type TestStack } from '../integration/support/test-stack';

// The server ends a session the stage holds (a failover, an idle timeout, an administrator's
// pg_terminate_backend) while the client is checked out and between statements: pg then emits
// 'error' on the client, which crashes the process unless someone listens.

let stack: TestStack;
const uncaught: unknown[] = [];
const hear = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  process.on('uncaughtException', hear);
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(async () => {
  process.off('uncaughtException', hear);
  await stack.stop();
});
beforeEach(async () => {
  uncaught.length = 0;
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 3, paidPayments: 2 }).finally(() =>
    client.release(),
  );
});

const processId = (client: PoolClient) => (client as unknown as { processID: number }).processID;

/** Ends `client`'s session from another one, and waits until the client has heard it. */
async function terminate(admin: Pool, client: PoolClient): Promise<void> {
  // Not events.once: it rejects on the 'error' the client emits first.
  const ended = new Promise((resolve) => client.once('end', resolve));
  await admin.query('SELECT pg_terminate_backend($1)', [processId(client)]);
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2_000))]);
}

/**
 * `pool` whose checked-out clients ask `before(text, client)` ahead of each statement and, when
 * it answers a promise, wait for it; otherwise the statement (or stream) goes as it is. What
 * pool.query does (its callback form) passes untouched.
 */
function interceptedPool(
  pool: Pool,
  before: (text: string, client: PoolClient) => Promise<void> | undefined,
): Pool {
  const wrapped = Object.create(pool) as Pool;
  wrapped.connect = ((callback?: (...args: unknown[]) => void) => {
    if (callback) return pool.connect(callback as never);
    return pool.connect().then((client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      const proxy = Object.create(client) as PoolClient;
      proxy.query = ((...args: unknown[]) => {
        const first = args[0];
        const text = typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '');
        const waiting = before(text, client);
        return waiting ? waiting.then(() => query(...args)) : query(...args);
      }) as PoolClient['query'];
      proxy.release = (...args: Parameters<PoolClient['release']>) => client.release(...args);
      return proxy;
    });
  }) as Pool['connect'];
  return wrapped;
}

/** Kills the session of the client about to send the first statement `matches` picks. */
function killedAt(pool: Pool, matches: (text: string) => boolean): Pool {
  let fired = false;
  return interceptedPool(pool, (text, client) => {
    if (fired || !matches(text)) return undefined;
    fired = true;
    return terminate(stack.source, client);
  });
}

async function loadRecord(batchId: string) {
  return new ObjectStoreRunLog(stack.processed).read(batchId, 'load');
}

describe('a dropped database connection: one transient line, no crash, the next run heals', () => {
  it("the ingest's source session ended mid-run fails the ingest with one transient line, and no uncaught error", async () => {
    const source = killedAt(stack.source, (text) => text.startsWith('BEGIN ISOLATION LEVEL'));
    const error = await ingestBatch(
      { ...stack, source },
      { logger: silentLogger, overlapSeconds: 300 },
    ).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^The source database at 127\.0\.0\.1:\d+\/totesys dropped the connection \(57P01: terminating connection due to administrator command\): .*the retry runs again$/,
    );
    expect(error?.message).not.toContain('\n');
    expect(errorKind(error)).toBe('transient');
    expect(uncaught).toEqual([]);

    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it("the load's warehouse session ended mid-batch fails the batch with one transient line, recorded, no crash; the next run loads it", async () => {
    const landed = await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 });
    const processed = await transformBatch(stack, landed.manifestKey, silentLogger);
    const warehouse = killedAt(stack.warehouse, (text) => text.includes('FROM etl.load_log'));
    const load = loadStage({
      processed: stack.processed,
      warehouse: async () => warehouse,
      logger: silentLogger,
    });
    const error = await load.batch(processed.manifestKey).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^The warehouse database at 127\.0\.0\.1:\d+\/warehouse dropped the connection \(.+\): .*the retry runs again$/,
    );
    expect(errorKind(error)).toBe('transient');
    expect(uncaught).toEqual([]);
    expect(await loadRecord(landed.batchId)).toMatchObject({
      state: 'failure',
      errorKind: 'transient',
      error: error?.message,
    });

    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await loadRecord(landed.batchId)).toMatchObject({ state: 'success' });
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it("the catch-up lock's session ended mid-drain: the server released the lock, the holder stops before the next batch, no crash; the next run finishes the backlog", async () => {
    const owed: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      if (i > 0) {
        const client = await stack.source.connect();
        await applyDemoChanges(client, { newSalesOrders: 2, paidPayments: 1 }).finally(() =>
          client.release(),
        );
      }
      const landed = await ingestBatch(stack, { logger: silentLogger, overlapSeconds: 300 });
      await transformBatch(stack, landed.manifestKey, silentLogger);
      owed.push(landed.batchId);
    }
    let lockHolder: PoolClient | undefined;
    let killed = false;
    const warehouse = interceptedPool(stack.warehouse, (text, client) => {
      if (text.includes('pg_try_advisory_lock')) lockHolder = client;
      // The first batch's load begins: the lock's session goes.
      if (killed || !lockHolder || client === lockHolder || text !== 'BEGIN') return undefined;
      killed = true;
      return terminate(stack.source, lockHolder);
    });
    const load = loadStage({
      processed: stack.processed,
      warehouse: async () => warehouse,
      logger: silentLogger,
    });
    const outcome = await load.catchUp();

    expect(killed).toBe(true);
    expect(outcome.finished.map((key) => key.includes(owed[0]!))).toEqual([true]);
    expect(outcome.left.map((key) => key.includes(owed[1]!))).toEqual([true]);
    expect((outcome.failure?.error as Error).message).toMatch(
      /^The connection holding the warehouse catch-up lock dropped \(.+\): the server released the lock with it, so this load stopped catching up/,
    );
    expect(errorKind(outcome.failure?.error)).toBe('transient');
    expect(uncaught).toEqual([]);
    const held = await stack.warehouse.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`,
      [0x44_4c_56_43],
    );
    expect(held.rowCount).toBe(0);

    const next = await loadStage({
      processed: stack.processed,
      warehouse: async () => stack.warehouse,
      logger: silentLogger,
    }).catchUp();
    expect(next.failure).toBeUndefined();
    expect(next.finished.map((key) => key.includes(owed[1]!))).toEqual([true]);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
