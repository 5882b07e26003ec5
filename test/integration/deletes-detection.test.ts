import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { statusAttention } from '../../cli/status/status-attention';
import type { IngestRun } from '../../lambdas/ingest/ingest-stage';
import { manifestKey } from '../../lambdas/shared/core/batch';
import type { LandingManifest } from '../../lambdas/shared/core/manifest';
import { metricsOf } from '../../lambdas/ingest/metrics';
import { runIngest } from '../../lambdas/ingest/ingest';
import { PostgresSource } from '../../lambdas/ingest/postgres-source';
import { createPool } from '../../lambdas/shared/adapters/database-pool';
import type { DeletesOptions } from '../../lambdas/ingest/deletes/reconcile-deletes';
import type { SourceTableName } from '../../lambdas/shared/core/catalogue';
import type { StageLogger } from '../../lambdas/shared/ports/stage-logger';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { DELETES_GUARD_PERCENT, DELETES_SCHEDULE, type PerTable } from '../../contract/settings';
import { deletesKey } from '../../contract/source-deletes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import {
  loadBatch,
  migrateLocalWarehouse,
  runCycle,
  transformBatch,
  type CycleOptions,
} from '../../local/run-cycle';
import { faultyPool, faultyStore, nth } from './support/faults';
import { runDeliverance } from '../support/deliverance-command';
import {
  cliEnvironment,
  readJsonLines,
  startTestStack,
  type TestStack,
} from './support/test-stack';

let stack: TestStack;

/** The command line on the test stack's state folder, as `npx deliverance` runs it. */
const deliverance = (...args: string[]) => runDeliverance(args, cliEnvironment(stack));

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.05 });
  await migrateLocalWarehouse(stack);
  await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
});
afterAll(() => stack.stop());

/** A cycle whose ingest reconciles deletes now, of `tables` (all by default). */
async function reconcile(
  deletes: NonNullable<CycleOptions['deletes']> = {},
  logger: StageLogger = silentLogger,
): Promise<IngestRun> {
  const cycle = await runCycle(stack, { logger, overlapSeconds: 300, deletes });
  return cycle.ingest;
}

/** The keys each table's tombstones name in the run's batch. */
async function tombstones(run: IngestRun): Promise<Partial<Record<SourceTableName, number[]>>> {
  const found: Partial<Record<SourceTableName, number[]>> = {};
  for (const entry of run.manifest.tables) {
    if (!entry.deletes) continue;
    expect(entry.deletes.key).toBe(deletesKey(entry.table, run.batchId));
    const lines = await readJsonLines(stack.landing, entry.deletes.key);
    expect(lines).toHaveLength(entry.deletes.rows);
    for (const line of lines) {
      expect(line.deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    found[entry.table] = lines.map((l) => l.key as number);
  }
  return found;
}

/** Deletes a sales order with what refers to it, dependants first as totesys's keys require. */
async function deleteSalesOrder(): Promise<Record<string, number[]>> {
  const { rows } = await stack.source.query<{ s: number; t: number; p: number }>(
    `SELECT t.sales_order_id AS s, t.transaction_id AS t, p.payment_id AS p
       FROM transaction t JOIN payment p USING (transaction_id)
      WHERE t.sales_order_id IS NOT NULL ORDER BY t.sales_order_id DESC LIMIT 1`,
  );
  const { s, t, p } = rows[0]!;
  await stack.source.query('DELETE FROM payment WHERE payment_id = $1', [p]);
  await stack.source.query('DELETE FROM transaction WHERE transaction_id = $1', [t]);
  await stack.source.query('DELETE FROM sales_order WHERE sales_order_id = $1', [s]);
  return { payment: [p], transaction: [t], sales_order: [s] };
}

function deletesOptions(request: DeletesOptions['request']): DeletesOptions {
  return {
    warehouse: async () => stack.warehouse,
    state: stack.deletesState,
    settings: {
      schedule: DELETES_SCHEDULE.default,
      maxPerRun: 500_000,
      guardPercent: DELETES_GUARD_PERCENT.default,
    },
    request,
  };
}

describe('deletes reconciliation', () => {
  it('tombstones the rows the source deleted once, and not again', async () => {
    const deleted = await deleteSalesOrder();
    const first = await reconcile();
    expect(await tombstones(first)).toEqual(deleted);
    const sales = first.deletes?.tables.find((t) => t.table === 'sales_order');
    expect(sales).toMatchObject({ landed: 1, capped: false });
    expect(sales?.compared.warehouse).toBe(sales!.compared.source + 1);

    const again = await reconcile();
    expect(await tombstones(again)).toEqual({});
    expect(again.deletes?.tables.every((t) => t.landed === 0 && !t.waitingFor)).toBe(true);
  });

  it('leaves a table alone until its schedule comes round, unless asked', async () => {
    await deleteSalesOrder();
    const scheduled = await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(scheduled.ingest.deletes?.tables).toEqual([]);
    const asked = await reconcile({ tables: ['payment'] });
    expect(Object.keys(await tombstones(asked))).toEqual(['payment']);
    await reconcile();
  });

  it('reconciles each table on its own schedule: only the table whose schedule came round', async () => {
    const deleted = await deleteSalesOrder();
    // Every table last compared its keys a day and a half ago.
    const longAgo = new Date(Date.now() - 36 * 3_600_000).toISOString();
    const before = await stack.deletesState.deletesState();
    await stack.deletesState.setDeletesState(
      Object.fromEntries(
        Object.entries(before).map(([table, state]) => [
          table,
          { ...state, reconciledAt: longAgo },
        ]),
      ),
    );
    const cycle = await runCycle(stack, {
      logger: silentLogger,
      overlapSeconds: 300,
      // Hourly for payment, so it came round since; weekly for the others, which did not.
      deletesTunings: {
        deletesSchedule: { default: 'rate(7 days)', tables: { payment: 'cron(0 * * * ? *)' } },
      },
    });
    expect(cycle.ingest.deletes?.tables.map((t) => t.table)).toEqual(['payment']);
    expect(await tombstones(cycle.ingest)).toEqual({ payment: deleted.payment });
    const after = await stack.deletesState.deletesState();
    expect(after.sales_order?.reconciledAt).toBe(longAgo);
    expect(Date.parse(after.payment?.reconciledAt ?? '')).toBeGreaterThan(Date.parse(longAgo));
    const rest = await tombstones(await reconcile());
    expect(Object.keys(rest).sort()).toEqual(['sales_order', 'transaction']);
  });

  it('goes on past its cap in the next run unasked, keeping when it last finished for doctor', async () => {
    const higher = await deleteSalesOrder();
    const lower = await deleteSalesOrder();
    const finished = (await stack.deletesState.deletesState()).sales_order?.reconciledAt;
    expect(finished).toBeDefined();
    const capped = await runCycle(stack, {
      logger: silentLogger,
      overlapSeconds: 300,
      deletes: { tables: ['sales_order'] },
      deletesTunings: { maxDeletesPerRun: 1 },
    });
    expect(capped.ingest.deletes?.tables).toEqual([
      expect.objectContaining({ table: 'sales_order', landed: 1, capped: true }),
    ]);
    expect(await tombstones(capped.ingest)).toEqual({ sales_order: lower.sales_order });
    expect((await stack.deletesState.deletesState()).sales_order).toMatchObject({
      reconciledAt: finished,
      resume: true,
    });

    // Not asked, and its daily schedule has not come round: it goes on because it stopped.
    const resumed = await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    expect(await tombstones(resumed.ingest)).toEqual({ sales_order: higher.sales_order });
    const after = (await stack.deletesState.deletesState()).sales_order;
    expect(after?.resume).toBeUndefined();
    expect(Date.parse(after?.reconciledAt ?? '')).toBeGreaterThan(Date.parse(finished!));
    await reconcile();
  });

  it('lands the deletes of a table whose own guard allows a share the default holds', async () => {
    const { rows } = await stack.source.query<{ id: number }>(
      `INSERT INTO design (design_name, file_location, file_name)
       VALUES ('purged', '/purged', 'purged.json') RETURNING design_id AS id`,
    );
    const id = rows[0]!.id;
    await runCycle(stack, { logger: silentLogger, overlapSeconds: 300 });
    await stack.source.query('DELETE FROM design WHERE design_id = $1', [id]);
    const design = async (guard: PerTable<number>) => {
      const cycle = await runCycle(stack, {
        logger: silentLogger,
        overlapSeconds: 300,
        deletes: { tables: ['design'] },
        deletesTunings: { deletesGuardPercent: guard },
      });
      return { run: cycle.ingest, report: cycle.ingest.deletes?.tables[0] };
    };
    // One design of a handful is over 5 %: the default holds it.
    const held = await design({ default: 5, tables: { payment: 50 } });
    expect(held.report).toMatchObject({ table: 'design', landed: 0, held: { keys: 1 } });
    const allowed = await design({ default: 5, tables: { design: 50 } });
    expect(allowed.report?.held).toBeUndefined();
    expect(await tombstones(allowed.run)).toEqual({ design: [id] });
    expect((await stack.deletesState.deletesState()).design?.held).toBeUndefined();
  });

  it('does not tombstone a key deleted and inserted again, and lands its row', async () => {
    const { rows } = await stack.source.query<Record<string, unknown>>(
      'SELECT * FROM payment ORDER BY payment_id LIMIT 1',
    );
    const row = rows[0]!;
    await stack.source.query('DELETE FROM payment WHERE payment_id = $1', [row.payment_id]);
    const gone = await reconcile({ tables: ['payment'] });
    expect((await tombstones(gone)).payment).toEqual([row.payment_id]);

    const columns = Object.keys(row);
    await stack.source.query(
      `INSERT INTO payment (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => (c === 'last_updated' ? new Date() : row[c])),
    );
    await stack.source.query('UPDATE payment SET last_updated = now() WHERE payment_id = $1', [
      row.payment_id,
    ]);
    const back = await reconcile({ tables: ['payment'] });
    expect(await tombstones(back)).toEqual({});
    const landed = back.manifest.tables.find((t) => t.table === 'payment');
    expect(landed?.rows).toBeGreaterThanOrEqual(1);
    const live = await stack.warehouse.query(
      'SELECT 1 FROM fact_payment WHERE payment_id = $1 AND source_deleted_at IS NULL',
      [row.payment_id],
    );
    expect(live.rowCount).toBeGreaterThanOrEqual(1);
  });
});

describe('deletes reconciliation when something goes wrong', () => {
  it('converges after a crash mid-reconciliation, landing each tombstone once', async () => {
    const deleted = await deleteSalesOrder();
    // Cut while the warehouse's keys of a differing range are read.
    await expect(
      runIngest({
        source: new PostgresSource(stack.source),
        landing: stack.landing,
        watermarks: stack.watermarks,
        logger: silentLogger,
        overlapSeconds: 300,
        deletes: {
          ...deletesOptions({}),
          warehouse: async () =>
            faultyPool(stack.warehouse, (text) =>
              text.includes('ORDER BY k') ? { point: 'warehouse keys', when: 'before' } : undefined,
            ),
        },
      }),
    ).rejects.toThrow(/injected fault/);
    // Cut after the tombstones landed, before the manifest.
    await expect(
      runIngest({
        source: new PostgresSource(stack.source),
        landing: faultyStore(stack.landing, {
          before: nth(1, 'manifest', (op, key) => op === 'put' && key.startsWith('manifests/')),
        }),
        watermarks: stack.watermarks,
        logger: silentLogger,
        overlapSeconds: 300,
        deletes: deletesOptions({}),
      }),
    ).rejects.toThrow(/injected fault/);

    const ingest = (options: Parameters<typeof deletesOptions>[0]) =>
      runIngest({
        source: new PostgresSource(stack.source),
        landing: stack.landing,
        watermarks: stack.watermarks,
        logger: silentLogger,
        overlapSeconds: 300,
        deletes: deletesOptions(options),
      });
    const healed = await ingest({});
    expect(healed.removed.keys).toEqual(
      expect.arrayContaining(
        Object.keys(deleted).map((t) => expect.stringMatching(`^${t}/.*\\.deletes\\.jsonl$`)),
      ),
    );
    expect(await tombstones(healed as IngestRun)).toEqual(deleted);

    // Landed but not loaded yet: the warehouse still holds the keys alive, and the tables wait.
    const early = await ingest({});
    expect(await tombstones(early as IngestRun)).toEqual({});
    expect(early.deletes?.tables.filter((t) => t.waitingFor === healed.batchId).length).toBe(3);

    for (const batch of [healed, early]) {
      const transform = await transformBatch(stack, batch.manifestKey, silentLogger);
      await loadBatch(stack, transform.manifestKey, silentLogger);
    }
    expect(await tombstones(await reconcile())).toEqual({});
  });

  it('holds the deletes of a truncated table, alarms and names it, until confirmed', async () => {
    const lines: string[] = [];
    const logger: StageLogger = { ...silentLogger, warn: (message) => lines.push(message) };
    const { rows } = await stack.source.query<{ n: string }>('SELECT count(*) AS n FROM payment');
    const all = Number(rows[0]!.n);
    await stack.source.query('TRUNCATE payment');

    const held = await reconcile({}, logger);
    expect(await tombstones(held)).toEqual({});
    const payment = held.deletes?.tables.find((t) => t.table === 'payment');
    expect(payment?.held).toMatchObject({ keys: all, share: 1 });
    // The top-level counts told it: no key was read one by one.
    expect(payment?.read).toEqual({ source: 0, warehouse: 0 });
    expect(metricsOf({ kind: 'ran', run: held })).toContainEqual({
      name: 'DeletesHeld',
      value: all,
    });
    expect(lines.filter((l) => l.includes('held by the guard'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Deletes of payment .*: ${all} keys .*deliverance deletes --table payment --confirm$`,
        ),
      ),
    ]);
    expect((await stack.deletesState.deletesState()).payment?.held?.keys).toBe(all);
    const status = await collectStatus(localStatusSources(stack), { limit: 3 });
    expect(status.tables.payment?.deletesHeld).toMatchObject({ keys: all, share: 1 });
    expect(statusAttention(status)).toContainEqual(
      expect.stringContaining(`deletes held by the guard in payment (${all} keys)`),
    );

    // Other tables went on: the batch still landed.
    expect(held.manifest.tables.map((t) => t.table)).toContain('sales_order');
    const stillHeld = await deliverance('deletes', '--table', 'payment');
    expect(stillHeld.code).toBe(3);
    expect(stillHeld.stdout).toMatch(
      new RegExp(`^payment: .*; ${all} gone \\(100\\.0%\\) HELD by the guard`, 'm'),
    );

    const confirmed = await deliverance('deletes', '--table', 'payment', '--confirm', '--json');
    expect(confirmed.code).toBe(0);
    const report = JSON.parse(confirmed.stdout) as { batchId: string; heldKeys: number };
    expect(report).toMatchObject({ heldKeys: 0, tables: [{ table: 'payment', landed: all }] });
    const manifest = JSON.parse(
      (await stack.landing.get(manifestKey(report.batchId))).toString('utf8'),
    ) as LandingManifest;
    expect(manifest.tables.find((t) => t.table === 'payment')?.deletes?.rows).toBe(all);
    expect((await stack.deletesState.deletesState()).payment?.held).toBeUndefined();
    const after = await collectStatus(localStatusSources(stack), { limit: 3 });
    expect(after.tables.payment?.deletesHeld).toBeUndefined();
    expect(await tombstones(await reconcile())).toEqual({});
  });
  it('marks a row deleted in a source east of UTC, whose stamps run ahead of UTC', async () => {
    // Sessions begun after this read the source's clock nine hours ahead; so do its stamps.
    await stack.source.query(`ALTER DATABASE totesys SET timezone TO 'Asia/Tokyo'`);
    // createPool's: a connection still closing after end() may hear the server stop at afterAll.
    const east = createPool({ connectionString: stack.stack.postgres!.url('totesys') }, 4);
    try {
      const tokyo = { ...stack, source: east };
      const { rows } = await east.query<{ id: number }>(
        `INSERT INTO design (design_name, file_location, file_name)
         VALUES ('east', '/east', 'east.json') RETURNING design_id AS id`,
      );
      const id = rows[0]!.id;
      await runCycle(tokyo, { logger: silentLogger, overlapSeconds: 300 });
      await east.query('DELETE FROM design WHERE design_id = $1', [id]);
      const cycle = await runCycle(tokyo, {
        logger: silentLogger,
        overlapSeconds: 300,
        // One design of four is over the guard's share: confirmed, as an operator would.
        deletes: { tables: ['design'], confirm: true },
      });
      expect((await tombstones(cycle.ingest)).design).toEqual([id]);
      const marked = await stack.warehouse.query<{ deleted: boolean }>(
        'SELECT source_deleted_at IS NOT NULL AS deleted FROM dim_design WHERE design_id = $1',
        [id],
      );
      expect(marked.rows).toEqual([{ deleted: true }]);
    } finally {
      await east.end();
    }
  });
});
