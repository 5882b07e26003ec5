import { Client } from 'pg';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { LOAD_LOCK, LockWaitError } from '../../lambdas/load/advisory-lock';
import { createPool } from '../../lambdas/shared/adapters/database-pool';
import { sessionBounds } from '../../lambdas/shared/adapters/session-bounds';
import { batchIdFromManifestKey } from '../../lambdas/shared/core/batch';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { loadBatch, migrateLocalWarehouse, transformBatch } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { startTestStack, type TestStack } from './support/test-stack';

/** A load Lambda with three seconds left: lock waits and idle transactions end after one. */
const BUDGET_MS = 3_000;
let stack: TestStack;
let warehouseUrl: string;

beforeAll(async () => {
  stack = await startTestStack();
  warehouseUrl = stack.stack.postgres!.url('warehouse');
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await migrateLocalWarehouse(stack);
});
afterAll(() => stack.stop());

async function transformedBatch(): Promise<string> {
  const ingest = await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 0,
  });
  return (await transformBatch(stack, ingest.manifestKey, silentLogger)).manifestKey;
}

/** A session of a load that took the load lock and then stopped answering (a frozen Lambda). */
async function loadLockHolder(budgetMs?: number): Promise<Client> {
  const client = new Client({
    connectionString: warehouseUrl,
    ...(budgetMs === undefined ? {} : sessionBounds('load', budgetMs)),
  });
  // The server may end this session: that is the point, not a failure of the test.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOAD_LOCK.key]);
  return client;
}

function boundedLoad(manifestKey: string, budgetMs: number) {
  const warehouse = createPool(
    { connectionString: warehouseUrl, ...sessionBounds('load', budgetMs) },
    2,
    'warehouse',
  );
  return loadBatch({ ...stack, warehouse }, manifestKey, silentLogger).finally(() =>
    warehouse.end(),
  );
}

async function inLoadLog(manifestKey: string): Promise<boolean> {
  const logged = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
    batchIdFromManifestKey(manifestKey),
  ]);
  return logged.rowCount === 1;
}

describe('database sessions are bounded', () => {
  it('a load behind a session holding the load lock gives up within its lock_timeout, saying so', async () => {
    const manifestKey = await transformedBatch();
    const holder = await loadLockHolder();
    try {
      const started = Date.now();
      const error = (await boundedLoad(manifestKey, BUDGET_MS).catch((e: unknown) => e)) as Error;
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(LockWaitError);
      expect(error.message).toMatch(
        /^Another load holds the warehouse load lock: gave up after 1\.\d s \(the session's lock_timeout\); nothing of the batch was written/,
      );
      expect(error.message).not.toContain('\n');
      expect(waited).toBeGreaterThanOrEqual(BUDGET_MS / 3);
      expect(waited).toBeLessThan(BUDGET_MS);
      expect(await inLoadLog(manifestKey)).toBe(false);
    } finally {
      await holder.end();
    }
    // Once the holder lets go, the retry loads the batch.
    const retry = await boundedLoad(manifestKey, BUDGET_MS);
    expect(retry.skipped).toBe(false);
  });

  it("a dead load's session, idle in its transaction, is ended by the server and frees the lock", async () => {
    const manifestKey = await transformedBatch();
    const dead = await loadLockHolder(BUDGET_MS);
    try {
      const started = Date.now();
      const retry = await boundedLoad(manifestKey, 10 * BUDGET_MS);
      expect(retry.skipped).toBe(false);
      // The retry waited for the server to end the dead session, not for its own lock_timeout.
      expect(Date.now() - started).toBeLessThan((10 * BUDGET_MS) / 3);
    } finally {
      await dead.end().catch(() => undefined);
    }
    expect(await inLoadLog(manifestKey)).toBe(true);
  });

  it('every session of a local run names its stage and carries the bounds of a 15-minute function', async () => {
    const settings = `SELECT current_setting('application_name') AS name,
                             current_setting('statement_timeout') AS statement,
                             current_setting('lock_timeout') AS lock,
                             current_setting('idle_in_transaction_session_timeout') AS idle`;
    const [source, warehouse] = await Promise.all([
      stack.source.query(settings),
      stack.warehouse.query(settings),
    ]);
    const bounds = { statement: '810s', lock: '5min', idle: '5min' };
    expect(source.rows[0]).toEqual({ name: 'deliverance-ingest', ...bounds });
    expect(warehouse.rows[0]).toEqual({ name: 'deliverance-load', ...bounds });
  });
});
