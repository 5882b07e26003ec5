import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import { runUntilCaughtUp, type CycleResult } from '../../local/run-cycle';
import type { StageProgress } from '../../local/stage-progress';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { InjectedFault } from './support/faults';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * A backfill drained by one `runUntilCaughtUp` overlaps its batches: the next batch is ingested
 * while the one before transforms and loads. These tests read the order the stages started and
 * ended in, and check that the loads still keep batch order when the first one is held back, and
 * that no stage of a batch starts before the manifest it is handed is written, as in AWS.
 */
// Each test drains a backfill of several batches: minutes on a busy machine.
jest.setTimeout(300_000);

let stack: TestStack;
let cap: number;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.1 });
  await recordSourceHistory(stack.source);
  const largest = await stack.source.query<{ n: number }>(
    'SELECT greatest((SELECT count(*) FROM sales_order), (SELECT count(*) FROM payment))::int AS n',
  );
  cap = Math.floor(largest.rows[0]!.n / 4);
});
afterAll(() => stack?.stop());

type Event = `${'start' | 'end' | 'wrote'} ${string} ${string}`;

/**
 * A StageProgress that writes down, in order, `start ingest <batch>`, `end load <batch>`, …, and
 * the stages that ever ran two batches at once (an `end` names no batch: it ends the oldest).
 */
function stageLog(): { progress: StageProgress; events: Event[]; twice: Set<string> } {
  const events: Event[] = [];
  const twice = new Set<string>();
  const running = new Map<string, string[]>();
  return {
    events,
    twice,
    progress: {
      start(stage, batchId = '?') {
        const batches = running.get(stage) ?? [];
        batches.push(batchId);
        running.set(stage, batches);
        if (batches.length > 1) twice.add(stage);
        events.push(`start ${stage} ${batchId}`);
      },
      table: () => undefined,
      end(stage) {
        events.push(`end ${stage} ${running.get(stage)?.shift() ?? '?'}`);
      },
    },
  };
}

const at = (events: readonly Event[], event: Event) => {
  const index = events.indexOf(event);
  expect(index).toBeGreaterThanOrEqual(0);
  return index;
};

const options = (progress: StageProgress) => ({
  logger: silentLogger,
  overlapSeconds: 0,
  maxBatchRows: cap,
  progress,
});

/**
 * The processed bucket, but a read of the first processed manifest written waits until a second
 * one is written (30 s at most, for a run that never overlaps): the first batch's load cannot
 * start before the second batch is transformed.
 */
function firstLoadHeldBack(store: ObjectStore): ObjectStore {
  const written: string[] = [];
  let release: () => void = () => undefined;
  const second = new Promise<void>((resolve) => (release = resolve));
  const hold = async (key: string) => {
    if (key !== written[0] || written.length >= 2) return;
    await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
  };
  return {
    ...bound(store),
    async put(key, body, type) {
      await store.put(key, body, type);
      if (!key.startsWith('manifests/')) return;
      written.push(key);
      if (written.length === 2) release();
    },
    async get(key) {
      await hold(key);
      return store.get(key);
    },
    async getIfExists(key) {
      await hold(key);
      return store.getIfExists(key);
    },
    async stream(key) {
      await hold(key);
      return store.stream(key);
    },
  };
}

/**
 * The store, also writing down `wrote <label> <batch>` once the put of a batch's manifest is
 * done: the moment the deployed pipeline's next stage would be triggered.
 */
function manifestsWritten(store: ObjectStore, label: string, events: Event[]): ObjectStore {
  return {
    ...bound(store),
    async put(key, body, type) {
      await store.put(key, body, type);
      const batch = /^manifests\/(.+)\.json$/.exec(key)?.[1];
      if (batch) events.push(`wrote ${label} ${batch}`);
    },
  };
}

const batchesOf = (cycles: readonly CycleResult[]) => cycles.map((c) => c.ingest.batchId);

describe('a backfill overlaps its batches', () => {
  it('ingests the next batch while the one before transforms and loads, each stage of a batch after the manifest it is handed', async () => {
    const { progress, events, twice } = stageLog();
    const observed = {
      ...stack,
      landing: manifestsWritten(stack.landing, 'landing-manifest', events),
      processed: manifestsWritten(stack.processed, 'processed-manifest', events),
    };
    const cycles = await runUntilCaughtUp(observed, options(progress));
    // Each stage one batch at a time, as in AWS; the stages of different batches side by side.
    expect([...twice]).toEqual([]);
    const batches = batchesOf(cycles);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (let n = 0; n + 1 < batches.length; n++) {
      const [batch, next] = [batches[n]!, batches[n + 1]!];
      // The next batch's ingest is still running when this one's transform starts ...
      expect(at(events, `start transform ${batch}`)).toBeLessThan(at(events, `end ingest ${next}`));
      // ... and started before this one's load ended.
      expect(at(events, `start ingest ${next}`)).toBeLessThan(at(events, `end load ${batch}`));
    }
    // Within a batch no stage starts early: the transform once its landing manifest is written,
    // after every table object (and the ingest has ended), the load once its processed manifest
    // is, as the manifests' events start them in AWS (docs/guarantees.md, section 3).
    for (const batch of batches) {
      expect(at(events, `wrote landing-manifest ${batch}`)).toBeLessThan(
        at(events, `start transform ${batch}`),
      );
      expect(at(events, `end ingest ${batch}`)).toBeLessThan(
        at(events, `start transform ${batch}`),
      );
      expect(at(events, `wrote processed-manifest ${batch}`)).toBeLessThan(
        at(events, `start load ${batch}`),
      );
    }
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('still loads the batches in batch order, one after the other, when the first is held back', async () => {
    await stack.source.query(
      `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now()
       WHERE sales_order_id IN (SELECT sales_order_id FROM sales_order ORDER BY sales_order_id LIMIT $1)`,
      [cap * 3],
    );
    const { progress, events, twice } = stageLog();
    const held = { ...stack, processed: firstLoadHeldBack(stack.processed) };
    const cycles = await runUntilCaughtUp(held, options(progress));
    const batches = batchesOf(cycles);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    // The hold worked: the second batch was transformed before the first one's load ended.
    expect(at(events, `end transform ${batches[1]!}`)).toBeLessThan(
      at(events, `end load ${batches[0]!}`),
    );
    expect([...twice]).toEqual([]);
    const loads = events.filter((event) => / load /.test(event));
    expect(loads).toEqual(batches.flatMap((batch) => [`start load ${batch}`, `end load ${batch}`]));
    const logged = await stack.warehouse.query<{ batch_id: string }>(
      'SELECT batch_id FROM etl.load_log WHERE batch_id = ANY($1) ORDER BY loaded_at, batch_id',
      [batches],
    );
    expect(logged.rows.map((row) => row.batch_id)).toEqual(batches);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('stops at a failed load: no later load starts, no further ingest, and the next run converges', async () => {
    await stack.source.query(
      `UPDATE payment SET paid = NOT paid, last_updated = now()
       WHERE payment_id IN (SELECT payment_id FROM payment ORDER BY payment_id LIMIT $1)`,
      [cap * 3],
    );
    const { progress, events } = stageLog();
    const failing = { ...stack, processed: firstLoadFails(stack.processed) };
    await expect(runUntilCaughtUp(failing, options(progress))).rejects.toThrow(InjectedFault);
    const starts = (stage: string) => events.filter((e) => e.startsWith(`start ${stage} `));
    expect(starts('ingest')).toHaveLength(2);
    expect(starts('load')).toHaveLength(1);
    const rest = await runUntilCaughtUp(stack, options(stageLog().progress));
    expect(rest.length).toBeGreaterThanOrEqual(1);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});

/** The processed bucket, but the first processed manifest written cannot be read: its load fails. */
function firstLoadFails(store: ObjectStore): ObjectStore {
  let first: string | undefined;
  return {
    ...bound(store),
    async put(key, body, type) {
      await store.put(key, body, type);
      if (key.startsWith('manifests/')) first ??= key;
    },
    async stream(key) {
      if (key === first) throw new InjectedFault('first processed manifest read');
      return store.stream(key);
    },
  };
}

/** The store's operations, bound to it, to spread into a wrapper. */
function bound(store: ObjectStore): ObjectStore {
  return {
    bucket: store.bucket,
    put: (key, body, type) => store.put(key, body, type),
    upload: (key, body, type) => store.upload(key, body, type),
    get: (key) => store.get(key),
    getIfExists: (key) => store.getIfExists(key),
    stream: (key) => store.stream(key),
    exists: (key) => store.exists(key),
    list: (prefix, startAfter) => store.list(prefix, startAfter),
    delete: (key) => store.delete(key),
  };
}
