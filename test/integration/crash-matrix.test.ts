import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { runLoad } from '../../lambdas/load/load';
import { PostgresWarehouseWriter } from '../../lambdas/load/postgres-warehouse-writer';
import { SOURCE_TABLE_NAMES } from '../../lambdas/shared/core/catalogue';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runTransform } from '../../lambdas/transform/transform';
import { LOCAL_S3_CREDENTIALS } from '../../local/s3-server';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { loadBatch, runCycle, transformBatch } from '../../local/run-cycle';
import type { PipelineContext } from '../../local/pipeline-context';
import {
  faultyPool,
  faultyStore,
  faultyWatermarks,
  nth,
  type FaultyStoreOptions,
  type QueryFault,
} from './support/faults';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';
import { objectsWithoutManifest } from './support/unfinished-attempts';

let stack: TestStack;
let workDir: string;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await recordSourceHistory(stack.source);
  workDir = await mkdtemp(join(tmpdir(), 'dlv-crash-'));
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
  await stack.stop();
});

const cycle = (context: PipelineContext = stack) =>
  runCycle(context, { logger: silentLogger, overlapSeconds: 300 });

async function changeTotesys(): Promise<void> {
  const client = await stack.source.connect();
  await applyDemoChanges(client, { newSalesOrders: 7, paidPayments: 3 }).finally(() =>
    client.release(),
  );
}

const watermarks = () => Promise.all(SOURCE_TABLE_NAMES.map((t) => stack.watermarks.read(t)));
const isManifest = (key: string) => key.startsWith('manifests/');
const isTableFile = (key: string) => !isManifest(key) && /\.(jsonl|parquet)$/.test(key);

/** Ingests with faulty ports; answers the landing manifest key if one was written, and what else. */
async function failIngest(
  landing: FaultyStoreOptions,
  failWatermarkWrite = 0,
): Promise<{ manifest: string | undefined; tableKeys: string[] }> {
  const written: string[] = [];
  await expect(
    runIngest({
      source: new PostgresSource(stack.source),
      landing: faultyStore(stack.landing, { ...landing, written }),
      watermarks: faultyWatermarks(stack.watermarks, failWatermarkWrite),
      logger: silentLogger,
      overlapSeconds: 300,
      concurrency: 1,
    }),
  ).rejects.toThrow(/injected fault/);
  return { manifest: written.find(isManifest), tableKeys: written.filter(isTableFile) };
}

/** A clean ingest, then a transform through faulty ports. */
async function failTransform(
  processed: FaultyStoreOptions,
  landing: FaultyStoreOptions = {},
): Promise<string> {
  const ingest = await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 300,
  });
  await expect(
    runTransform({
      landing: faultyStore(stack.landing, landing),
      processed: faultyStore(stack.processed, processed),
      logger: silentLogger,
      manifestKey: ingest.manifestKey,
      workDir,
      rowGroupRows: 3,
    }),
  ).rejects.toThrow(/injected fault/);
  return ingest.manifestKey;
}

/** A clean ingest and transform, then a load on a connection that fails where told. */
async function failLoad(fault: QueryFault): Promise<{ landing: string; processed: string }> {
  const ingest = await runIngest({
    source: new PostgresSource(stack.source),
    landing: stack.landing,
    watermarks: stack.watermarks,
    logger: silentLogger,
    overlapSeconds: 300,
  });
  const transform = await transformBatch(stack, ingest.manifestKey, silentLogger);
  await expect(
    runLoad({
      processed: stack.processed,
      warehouse: new PostgresWarehouseWriter(faultyPool(stack.warehouse, fault)),
      logger: silentLogger,
      manifestKey: transform.manifestKey,
    }),
  ).rejects.toThrow(/injected fault/);
  return { landing: ingest.manifestKey, processed: transform.manifestKey };
}

/**
 * After any crash: the next cycle and a second delivery of every event the crashed run raised
 * (S3 and Lambda deliver at least once) leave the warehouse equal to the reference, and landing
 * without an object of an attempt that never wrote its manifest.
 */
async function recoverAndReplay(landingManifest: string | undefined): Promise<void> {
  await cycle();
  expect(await objectsWithoutManifest(stack.landing)).toEqual([]);
  if (landingManifest) {
    const transform = await transformBatch(stack, landingManifest, silentLogger);
    expect(transform.skipped).toBe(true);
    const load = await loadBatch(stack, transform.manifestKey, silentLogger);
    expect(load.skipped).toBe(true);
  }
  // Row for row, fact versions included: a version lost or stored twice is a difference.
  expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
}

describe('a crash at any step boundary, then a re-run and a replayed event', () => {
  beforeEach(changeTotesys);

  it('ingest: after some table files were uploaded', async () => {
    const before = await watermarks();
    const { manifest, tableKeys } = await failIngest({
      before: nth(3, 'third table upload', (op, key) => op === 'upload' && isTableFile(key)),
    });
    expect(manifest).toBeUndefined();
    expect(tableKeys).toHaveLength(2);
    expect(await watermarks()).toEqual(before);
    await recoverAndReplay(undefined);
  });

  it('ingest: mid-way through a table file upload', async () => {
    const before = await watermarks();
    await failIngest({
      midStream: (op, key) => (op === 'upload' && key.startsWith('sales_order/') ? 200 : undefined),
    });
    expect(await watermarks()).toEqual(before);
    await recoverAndReplay(undefined);
  });

  it('ingest: every table file written, before the manifest', async () => {
    const before = await watermarks();
    const { tableKeys } = await failIngest({
      before: nth(1, 'manifest put', (op, key) => op === 'put' && isManifest(key)),
    });
    expect(tableKeys.length).toBeGreaterThan(0);
    expect(await watermarks()).toEqual(before);
    await recoverAndReplay(undefined);
  });

  it('ingest: after the manifest, before any watermark', async () => {
    const before = await watermarks();
    const { manifest } = await failIngest({}, 1);
    expect(manifest).toBeDefined();
    expect(await watermarks()).toEqual(before);
    await recoverAndReplay(manifest);
  });

  it('ingest: between two watermark writes', async () => {
    const before = await watermarks();
    const { manifest } = await failIngest({}, 4);
    const after = await watermarks();
    expect(after.slice(3)).toEqual(before.slice(3));
    await recoverAndReplay(manifest);
  });

  it('transform: a landing download reset mid-object, after row groups were written', async () => {
    const manifest = await failTransform(
      {},
      {
        midStream: (op, key) =>
          op === 'stream' && key.startsWith('sales_order/') ? 1500 : undefined,
      },
    );
    // A transient read error fails the batch; it must never quarantine a good object.
    expect(await stack.landing.list('quarantine/')).toEqual([]);
    await recoverAndReplay(manifest);
  });

  it('transform: a Parquet upload cut off mid-file', async () => {
    const manifest = await failTransform({
      midStream: (op, key) => (op === 'upload' && key.startsWith('fact_') ? 100 : undefined),
    });
    await recoverAndReplay(manifest);
  });

  it('transform: after some Parquet uploads', async () => {
    const manifest = await failTransform({
      before: nth(2, 'second Parquet upload', (op, key) => op === 'upload' && isTableFile(key)),
    });
    await recoverAndReplay(manifest);
  });

  it('transform: every Parquet file uploaded, before the snapshot write', async () => {
    const manifest = await failTransform({
      before: nth(1, 'first snapshot write', (op, key) => op === 'put' && key.startsWith('state/')),
    });
    await recoverAndReplay(manifest);
  });

  it('transform: between two snapshot writes', async () => {
    const manifest = await failTransform({
      before: nth(
        2,
        'second snapshot write',
        (op, key) => op === 'put' && key.startsWith('state/'),
      ),
    });
    await recoverAndReplay(manifest);
  });

  it('transform: after the snapshots, before the processed manifest', async () => {
    const manifest = await failTransform({
      before: nth(1, 'processed manifest put', (op, key) => op === 'put' && isManifest(key)),
    });
    await recoverAndReplay(manifest);
  });

  it('load: inside the transaction, after the dimensions, before the facts', async () => {
    const { landing } = await failLoad((sql) =>
      /^CREATE TEMP TABLE "stage_fact_/.test(sql)
        ? { point: 'first fact staging table', when: 'before' }
        : undefined,
    );
    await recoverAndReplay(landing);
  });

  it('load: inside the transaction, after a fact upsert', async () => {
    const { landing } = await failLoad((sql) =>
      /^INSERT INTO "fact_/.test(sql) ? { point: 'after a fact upsert', when: 'after' } : undefined,
    );
    await recoverAndReplay(landing);
  });

  it('load: every table upserted, before the load-log insert', async () => {
    const { landing } = await failLoad((sql) =>
      /INSERT INTO etl\.load_log/.test(sql)
        ? { point: 'load-log insert', when: 'before' }
        : undefined,
    );
    await recoverAndReplay(landing);
  });

  it('load: at COMMIT', async () => {
    const { landing } = await failLoad((sql) =>
      sql === 'COMMIT' ? { point: 'COMMIT', when: 'before' } : undefined,
    );
    await recoverAndReplay(landing);
  });

  it('load: after COMMIT, before the event is acknowledged (delivered again)', async () => {
    const { landing, processed } = await failLoad((sql) =>
      sql === 'COMMIT' ? { point: 'acknowledgement after COMMIT', when: 'after' } : undefined,
    );
    const logged = await stack.warehouse.query('SELECT 1 FROM etl.load_log WHERE batch_id = $1', [
      processed.slice('manifests/'.length, -'.json'.length),
    ]);
    expect(logged.rowCount).toBe(1);
    await recoverAndReplay(landing);
  });
});

/** The CLI's error lines (warnings about batches it finished for a killed run are expected). */
const failures = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('deliverance:'));

/** A small deterministic PRNG (mulberry32), so the kill moments are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('deliverance run killed with SIGKILL at random moments', () => {
  it('leaves the warehouse right after one clean run', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'dlv-kill-'));
    const env = {
      ...process.env,
      DELIVERANCE_SOURCE_URL: stack.stack.postgres!.url('totesys'),
      DELIVERANCE_WAREHOUSE_URL: stack.stack.postgres!.url('warehouse'),
      DELIVERANCE_S3_ENDPOINT: stack.stack.s3!.endpoint.url,
      DELIVERANCE_STATE_DIR: stateDir,
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const run = (killAfterMs: number | undefined) =>
      new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, ['bin/deliverance.cjs', 'run'], {
            cwd: join(__dirname, '..', '..'),
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          const timer =
            killAfterMs === undefined
              ? undefined
              : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
          child.on('error', reject);
          child.on('exit', (code, signal) => {
            if (timer) clearTimeout(timer);
            resolve({ code, signal, stderr });
          });
        },
      );
    try {
      const random = seeded(20261123);
      // Kill moments are drawn across the length of an undisturbed run measured here, so they
      // land inside a run however fast or loaded this machine is.
      await changeTotesys();
      const measuredStart = performance.now();
      const measured = await run(undefined);
      expect([measured.code, failures(measured.stderr)]).toEqual([0, []]);
      const runMs = performance.now() - measuredStart;
      const outcomes: string[] = [];
      // A killed run may end before its ingest read anything, and the reference expects every
      // fact version the source held: so no change here touches a row a killed run might not
      // have read. New orders and dimension changes as before; the payments marked paid are
      // ones the measured run read, each marked once.
      const read = await stack.source.query<{ id: number }>(
        'SELECT max(payment_id)::int AS id FROM payment',
      );
      const changeReadFactsOnly = async () => {
        const client = await stack.source.connect();
        try {
          await applyDemoChanges(client, { newSalesOrders: 7, paidPayments: 0 });
          await client.query(
            `UPDATE payment SET paid = true, last_updated = now()
             WHERE payment_id IN (SELECT payment_id FROM payment WHERE NOT paid AND payment_id <= $1
                                  ORDER BY payment_id DESC LIMIT 3)`,
            [read.rows[0]!.id],
          );
        } finally {
          client.release();
        }
      };
      for (let i = 0; i < 6; i++) {
        await changeReadFactsOnly();
        const outcome = await run(Math.floor(runMs * (0.15 + 0.8 * random())));
        // A run that finished before its kill must have succeeded.
        if (outcome.signal === null)
          expect([outcome.code, failures(outcome.stderr)]).toEqual([0, []]);
        outcomes.push(outcome.signal ?? `exit ${outcome.code}`);
      }
      expect(outcomes.filter((o) => o === 'SIGKILL').length).toBeGreaterThan(0);
      const clean = await run(undefined);
      expect([clean.code, failures(clean.stderr)]).toEqual([0, []]);
      expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
      expect(await objectsWithoutManifest(stack.landing)).toEqual([]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 150_000);
});
