import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { formatStatusText } from '../../cli/status/format-status-text';
import { renderStatusHtml } from '../../cli/status/render-status-html';
import { metricsOf } from '../../lambdas/ingest/metrics';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from '../integration/support/reference';
import { runDeliverance } from '../support/deliverance-command';
import {
  cliEnvironment,
  readJsonLines,
  startTestStack,
  type TestStack,
} from '../integration/support/test-stack';

/**
 * A row stamped later than the source's clock (a client's wrong clock, a mistyped year) lies past
 * every window's upper bound: no run reads it until the clock gets there. The promise is that it
 * never vanishes silently: every run names it by table and key, in the run's summary, its record,
 * `deliverance status`, a metric, while the rest of the batch loads as usual.
 */
let stack: TestStack;
const options = { logger: silentLogger, overlapSeconds: 60 };
const FAR = '9999-12-31T00:00:00.000000Z';
let farPayment: number;
let aheadOrder: { key: number; lastUpdated: string };
let changedStaff: number;
let stdout: string;

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, options);
  const payment = await stack.source.query<{ id: number }>(
    `UPDATE payment SET paid = NOT paid, last_updated = '9999-12-31 00:00:00'
     WHERE payment_id = (SELECT min(payment_id) FROM payment) RETURNING payment_id AS id`,
  );
  farPayment = payment.rows[0]!.id;
  const order = await stack.source.query<{ id: number; stamp: string }>(
    `UPDATE sales_order SET units_sold = units_sold + 1, last_updated = now() + interval '1 hour'
     WHERE sales_order_id = (SELECT min(sales_order_id) FROM sales_order)
     RETURNING sales_order_id AS id, to_char(last_updated, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS stamp`,
  );
  aheadOrder = { key: order.rows[0]!.id, lastUpdated: order.rows[0]!.stamp };
  // An ordinary change in the same batch, which must load as usual.
  const staff = await stack.source.query<{ id: number }>(
    `UPDATE staff SET last_name = last_name || 'z', last_updated = now()
     WHERE staff_id = (SELECT max(staff_id) FROM staff) RETURNING staff_id AS id`,
  );
  changedStaff = staff.rows[0]!.id;
  const run = await runDeliverance(['run'], cliEnvironment(stack));
  expect(run).toMatchObject({ code: 0 });
  ({ stdout } = run);
});
afterAll(() => stack?.stop());

describe("rows stamped later than the source's clock", () => {
  it('are named by table and key in the summary of `deliverance run`, which still succeeds', () => {
    expect(stdout).toContain(
      "stamped later than the source's clock, not read until their time comes:",
    );
    expect(stdout).toContain(`  payment: 1 row, key ${farPayment} at ${FAR}`);
    expect(stdout).toContain(
      `  sales_order: 1 row, key ${aheadOrder.key} at ${aheadOrder.lastUpdated}`,
    );
  });

  it('leave the rest of the batch to load: the warehouse equals the reference minus exactly those versions', async () => {
    const differences = await compareWithReference(stack.source, stack.warehouse);
    const rows = (table: string) =>
      differences
        .filter((d) => d.table === table)
        .flatMap((d) => [
          ...d.missing.map((r) => `missing ${r}`),
          ...d.unexpected.map((r) => `unexpected ${r}`),
        ]);
    expect(differences.map((d) => d.table).sort()).toEqual([
      'dim_date',
      'fact_payment',
      'fact_sales_order',
    ]);
    expect(rows('fact_payment')).toEqual([
      expect.stringMatching(new RegExp(`^missing \\["${farPayment}",[^\\]]*"\\w{3} Dec 31 9999 `)),
    ]);
    expect(rows('fact_sales_order')).toEqual([
      expect.stringMatching(
        new RegExp(`^missing \\["${aheadOrder.key}",.*"${aheadOrder.lastUpdated.slice(11, 26)}"`),
      ),
    ]);
    // The dates only the unread versions refer to: the far one's and the hour-ahead one's.
    const [year, month, day] = aheadOrder.lastUpdated.slice(0, 10).split('-').map(Number);
    const aheadDate = new Date(year!, month! - 1, day).toString();
    expect(rows('dim_date')).toHaveLength(2);
    expect(rows('dim_date')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^missing \["\w{3} Dec 31 9999 /),
        expect.stringContaining(`missing ["${aheadDate}"`),
      ]),
    );
    const staff = await stack.warehouse.query<{ last_name: string }>(
      'SELECT last_name FROM dim_staff WHERE staff_id = $1',
      [changedStaff],
    );
    expect(staff.rows[0]?.last_name).toMatch(/z$/);
  });

  it('are in the run record, and `deliverance status` shows them by table and key, as text and as a page', async () => {
    const status = await collectStatus(localStatusSources(stack), { limit: 5 });
    expect(status.tables.payment?.futureStamped).toEqual({
      table: 'payment',
      rows: 1,
      keys: [{ key: farPayment, lastUpdated: FAR }],
    });
    expect(status.tables.sales_order?.futureStamped).toEqual({
      table: 'sales_order',
      rows: 1,
      keys: [aheadOrder],
    });
    expect(status.tables.staff?.futureStamped).toBeNull();
    expect(formatStatusText(status)).toContain(`payment: 1 row, key ${farPayment} at ${FAR}`);
    expect(renderStatusHtml(status)).toContain(`payment: 1 row, key ${farPayment} at ${FAR}`);
  });

  it('are counted in the FutureStampedRows metric the alarm watches, run after run', async () => {
    const cycle = await runCycle(stack, options);
    expect(cycle.ingest.futureStamped.map((f) => [f.table, f.rows])).toEqual([
      ['sales_order', 1],
      ['payment', 1],
    ]);
    expect(metricsOf({ kind: 'ran', run: cycle.ingest })).toContainEqual({
      name: 'FutureStampedRows',
      value: 2,
    });
  });

  it('are read once the source clock reaches their stamp', async () => {
    const soon = await stack.source.query<{ id: number }>(
      `UPDATE payment SET paid = NOT paid, last_updated = now() + interval '2 seconds'
       WHERE payment_id = (SELECT max(payment_id) FROM payment) RETURNING payment_id AS id`,
    );
    const id = soon.rows[0]!.id;
    const landedIds = async (cycle: Awaited<ReturnType<typeof runCycle>>) => {
      const keys = cycle.ingest.manifest.tables.find((t) => t.table === 'payment')?.keys ?? [];
      const rows = await Promise.all(keys.map((key) => readJsonLines(stack.landing, key)));
      return rows.flat().map((row) => row.payment_id);
    };
    const before = await runCycle(stack, options);
    expect(await landedIds(before)).not.toContain(id);
    await new Promise((done) => setTimeout(done, 2_500));
    const after = await runCycle(stack, options);
    expect(await landedIds(after)).toContain(id);
  });
});
