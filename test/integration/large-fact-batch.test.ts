import type { PoolClient } from 'pg';
import { BULK_MIN_ROWS, downloadToTemp } from '../../lambdas/load/bulk-load';
import {
  appendLargeFactBatch,
  REVALIDATE_MAX_TABLE_RATIO,
  validatePendingKeys,
} from '../../lambdas/load/large-fact-batch';
import { DIMENSIONS, FACTS } from '../../lambdas/shared/core/warehouse-catalogue';
import { setPhaseRecorder } from '../../lambdas/shared/phase-timer';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runUntilCaughtUp, type CycleResult } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { startTestStack, type TestStack } from './support/test-stack';

/**
 * A capped first load whose second sales_order batch (BULK_MIN_ROWS rows into a table holding
 * as many) appends with the foreign keys dropped and re-added, and that path's fallbacks.
 */
// Scale 4 (40,000 sales orders) in batches of 20,000: about ten cycles, minutes on a busy machine.
jest.setTimeout(600_000);

let stack: TestStack;
let cycles: CycleResult[];
const phases = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 4 });
  await recordSourceHistory(stack.source);
  setPhaseRecorder((phase) => phases.add(phase));
  cycles = await runUntilCaughtUp(stack, {
    logger: silentLogger,
    overlapSeconds: 0,
    maxBatchRows: BULK_MIN_ROWS,
  });
});
afterAll(async () => {
  setPhaseRecorder(undefined);
  await stack?.stop();
});

const FOREIGN_KEYS = `SELECT conname, convalidated FROM pg_constraint
  WHERE conrelid = 'fact_sales_order'::regclass AND contype = 'f' ORDER BY conname`;

/** The first batch's fact_sales_order file (BULK_MIN_ROWS versions, all in the warehouse now). */
function firstSalesFile(): { key: string; rows: number } {
  for (const cycle of cycles) {
    const entry = cycle.transform.manifest?.tables.find((t) => t.table === 'fact_sales_order');
    if (entry) return entry;
  }
  throw new Error('no batch held fact_sales_order');
}

/**
 * Makes the planner count `rows` in fact_sales_order for the rest of the transaction, as if the
 * table were that large, without writing them: what the path reads to choose.
 */
async function claimRows(client: PoolClient, rows: number): Promise<void> {
  await client.query(
    // relpages as the table is now: the planner scales reltuples by the pages since counted.
    `UPDATE pg_class SET reltuples = $1, relpages = greatest(
        pg_relation_size('fact_sales_order') / current_setting('block_size')::int, 1)
      WHERE oid = 'fact_sales_order'::regclass`,
    [rows],
  );
}

/** Removes the first `rows` versions, so the first sales file's versions are new again. */
async function forgetFirstVersions(client: PoolClient, rows: number): Promise<void> {
  await client.query(
    `DELETE FROM fact_sales_order WHERE sales_record_id IN
       (SELECT sales_record_id FROM fact_sales_order ORDER BY sales_record_id LIMIT $1)`,
    [rows],
  );
}

/** A staff member the first sales file refers to. */
async function firstSalesStaff(client: PoolClient): Promise<number> {
  const staff = await client.query<{ id: number }>(
    `SELECT sales_staff_id AS id FROM fact_sales_order ORDER BY sales_record_id LIMIT 1`,
  );
  return staff.rows[0]!.id;
}

/**
 * Removes a staff member from the warehouse with the purchase orders that name them; the caller
 * removes the sales orders it wants gone.
 */
async function removeStaffMember(client: PoolClient, id: number): Promise<void> {
  await client.query('DELETE FROM fact_purchase_order WHERE staff_id = $1', [id]);
  await client.query('DELETE FROM dim_staff WHERE staff_id = $1', [id]);
}

/** The large-batch path for the first sales file, as the load would call it. */
function appendSales(client: PoolClient, path: string, key: string, rows: number) {
  return appendLargeFactBatch(client, FACTS.fact_sales_order, path, key, rows, 'test-batch');
}

/** Runs `work` in a transaction that is rolled back, with the first sales file on disk. */
async function inRolledBackTransaction<T>(
  work: (client: PoolClient, path: string, key: string) => Promise<T>,
): Promise<T> {
  const { key } = firstSalesFile();
  const local = await downloadToTemp(stack.processed, key);
  const client = await stack.warehouse.connect();
  try {
    await client.query('BEGIN');
    return await work(client, local.path, key);
  } finally {
    await client.query('ROLLBACK');
    client.release();
    await local.dispose();
  }
}

describe('a large fact batch into a table that holds rows', () => {
  it('drains a capped first load through the path, equal to the reference, every foreign key back and validated', async () => {
    expect(firstSalesFile().rows).toBe(BULK_MIN_ROWS);
    expect(cycles.length).toBeGreaterThan(2);
    // The large-batch path's own phase: the bulk path into an empty table drops indexes too.
    expect(phases).toContain('load: drop FKs');
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
    const keys = await stack.warehouse.query<{ conname: string; convalidated: boolean }>(
      FOREIGN_KEYS,
    );
    expect(keys.rows).toHaveLength(9);
    expect(keys.rows.every((k) => k.convalidated)).toBe(true);
  });

  it('appends new versions straight into the table, without staging', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      // The file's versions are new again once gone; the rest of the table stays.
      const before = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      await forgetFirstVersions(client, rows);
      // At the ratio, the keys are re-validated over the table rather than left NOT VALID.
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO);
      phases.clear();
      const appended = await appendSales(client, path, key, rows);
      expect(appended).toEqual({ staged: rows, written: rows });
      expect(phases).not.toContain('load: INSERT … ON CONFLICT');
      const after = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
      const keys = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(keys.rows.filter((k) => k.convalidated)).toHaveLength(9);
    });
  });

  it('takes staging and ON CONFLICT when a version is already there, adding nothing twice', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      const before = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO);
      phases.clear();
      const appended = await appendSales(client, path, key, rows);
      expect(appended).toEqual({ staged: rows, written: 0 });
      expect(phases).toContain('load: INSERT … ON CONFLICT');
      const after = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
      const keys = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(keys.rows.filter((k) => k.convalidated)).toHaveLength(9);
    });
  });

  it('refuses a version that refers to a missing dimension row (23503), leaving the table and its keys as they were', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      // A staff member the file refers to, gone from the warehouse with every fact that named it.
      const id = await firstSalesStaff(client);
      await client.query('DELETE FROM fact_sales_order');
      await removeStaffMember(client, id);
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO);
      await expect(appendSales(client, path, key, rows)).rejects.toMatchObject({ code: '23503' });
      const after = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      expect(after.rows[0]!.n).toBe(0);
      const keys = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(keys.rows.filter((k) => k.convalidated)).toHaveLength(9);
    });
  });

  it('past the ratio, checks the batch alone and adds the keys back NOT VALID; the next small batch validates them', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      await forgetFirstVersions(client, rows);
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO * 2);
      phases.clear();
      const appended = await appendSales(client, path, key, rows);
      expect(appended).toEqual({ staged: rows, written: rows });
      // COPYed straight into the table and checked there, by record id.
      expect(phases).not.toContain('load: INSERT … ON CONFLICT');
      expect(phases).toContain('load: check FKs of the batch');
      expect(phases).toContain('load: add FKs NOT VALID');
      expect(phases).not.toContain('load: validate FKs');
      const added = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(added.rows.map((k) => k.convalidated)).toEqual(Array(9).fill(false));
      await validatePendingKeys(client, FACTS.fact_sales_order);
      expect(phases).toContain('load: validate FKs');
      const validated = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(validated.rows.map((k) => k.convalidated)).toEqual(Array(9).fill(true));
    });
  });

  it('past the ratio, finds a row that refers to nothing among those its COPY appended, and changes nothing', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      // Every version of the file new again, one staff member it names gone.
      await forgetFirstVersions(client, rows);
      const id = await firstSalesStaff(client);
      await client.query('DELETE FROM fact_sales_order WHERE sales_staff_id = $1', [id]);
      await removeStaffMember(client, id);
      const before = await client.query<{ n: number; last: string }>(
        'SELECT count(*)::int AS n, max(sales_record_id)::text AS last FROM fact_sales_order',
      );
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO * 2);
      phases.clear();
      expect(await appendSales(client, path, key, rows)).toBeUndefined();
      expect(phases).not.toContain('load: INSERT … ON CONFLICT');
      expect(phases).toContain('load: check FKs of the batch');
      const after = await client.query<{ n: number; last: string }>(
        'SELECT count(*)::int AS n, max(sales_record_id)::text AS last FROM fact_sales_order',
      );
      expect(after.rows[0]).toEqual(before.rows[0]);
      const keys = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(keys.rows.map((k) => k.convalidated)).toEqual(Array(9).fill(true));
    });
  });

  it('past the ratio, sends a batch with a row that refers to nothing, checked in staging after a version was there, to the staging path, changing nothing', async () => {
    const { rows } = firstSalesFile();
    await inRolledBackTransaction(async (client, path, key) => {
      const id = await firstSalesStaff(client);
      await client.query('DELETE FROM fact_sales_order WHERE sales_staff_id = $1', [id]);
      await removeStaffMember(client, id);
      const before = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      await claimRows(client, rows * REVALIDATE_MAX_TABLE_RATIO * 2);
      phases.clear();
      expect(await appendSales(client, path, key, rows)).toBeUndefined();
      expect(phases).toContain('load: INSERT … ON CONFLICT');
      expect(phases).toContain('load: check FKs of the batch');
      const after = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fact_sales_order',
      );
      expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
      const keys = await client.query<{ convalidated: boolean }>(FOREIGN_KEYS);
      expect(keys.rows.map((k) => k.convalidated)).toEqual(Array(9).fill(true));
    });
  });

  it('leaves a batch smaller than BULK_MIN_ROWS, or a dimension, to the staging path, changing nothing', async () => {
    await inRolledBackTransaction(async (client, path, key) => {
      const table = FACTS.fact_sales_order;
      expect(
        await appendLargeFactBatch(client, table, path, key, BULK_MIN_ROWS - 1, 'b'),
      ).toBeUndefined();
      expect(
        await appendLargeFactBatch(client, DIMENSIONS.dim_staff, path, key, BULK_MIN_ROWS, 'b'),
      ).toBeUndefined();
      const keys = await client.query<{ oid: number }>(FOREIGN_KEYS);
      expect(keys.rows).toHaveLength(9);
    });
  });
});
