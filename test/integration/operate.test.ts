import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle } from '../../local/run-cycle';
import { applyDemoChanges } from '../../local/seed/demo-changes';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

const options = { logger: silentLogger, overlapSeconds: 300 };

let stack: TestStack;

/** The command line on the test stack's state folder, as `npx deliverance` runs it. */
const deliverance = (...args: string[]) => runDeliverance(args, cliEnvironment(stack));

async function changeSource(paidPayments = 2): Promise<void> {
  const client = await stack.source.connect();
  try {
    await applyDemoChanges(client, { newSalesOrders: 3, paidPayments });
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, options);
}, 600_000);
afterAll(() => stack?.stop());

describe('operating the local pipeline', () => {
  it('reads freshness as the alarm does: complete up to the newest batch, however old the newest change', async () => {
    const status = await collectStatus(localStatusSources(stack));
    // The generated totesys changed nothing recently; the warehouse is still complete up to now.
    expect(status.warehouse.newestChangeAgeSeconds).toBeGreaterThan(86_400);
    expect(status.warehouse.freshnessSeconds).toBeLessThan(600);
    expect(status.tables.staff?.freshnessSeconds).toBeLessThan(600);
    expect(status.tables.staff?.newestChangeAgeSeconds).toBeGreaterThan(86_400);
  });

  it('pauses a table across two cycles and resumes it without loss', async () => {
    const before = await stack.watermarks.read('payment');
    const paused = await deliverance('pause', '--table', 'payment');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(
      /^payment is paused: ingest leaves it and its watermark \(\S+Z\) as they are until deliverance resume --table payment\n$/,
    );
    for (let cycle = 1; cycle <= 2; cycle += 1) {
      // A payment added and paid while paused lands as its paid version only: ingest reads the
      // rows as they are, not the versions between two runs that read them. So the second
      // cycle pays none, and the reference, which expects every version, still holds.
      await changeSource(cycle === 1 ? 2 : 0);
      const result = await runCycle(stack, options);
      expect(result.ingest.manifest.tables.map((t) => t.table)).not.toContain('payment');
      expect(await stack.watermarks.read('payment')).toBe(before);
    }
    const status = await collectStatus(localStatusSources(stack));
    expect(status.tables.payment?.pause).toBe('paused');
    expect((await deliverance('status')).stdout).toMatch(/^payment\s.*\spaused$/m);
    expect(await compareWithReference(stack.source, stack.warehouse)).not.toEqual([]);

    expect((await deliverance('resume', '--table', 'payment')).code).toBe(0);
    await runCycle(stack, options);
    expect(await stack.watermarks.read('payment')).not.toBe(before);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });

  it('re-syncs one paused table from a point, leaving the others, and the warehouse ends as it was', async () => {
    expect((await deliverance('resync', '--table', 'staff')).stderr).toMatch(
      /^deliverance: Pause staff first/m,
    );
    expect((await deliverance('pause', '--table', 'staff')).code).toBe(0);
    const from = '2020-01-01T00:00:00Z';
    const resync = await deliverance('resync', '--table', 'staff', '--from', from);
    expect(resync.code).toBe(0);
    expect(await stack.watermarks.read('staff')).toBe('2020-01-01T00:00:00.000000Z');
    const others = await stack.watermarks.read('payment');
    expect((await deliverance('resume', '--table', 'staff')).code).toBe(0);
    const result = await runCycle(stack, options);
    const staff = result.ingest.manifest.tables.find((t) => t.table === 'staff');
    expect(staff?.from).toBe('2019-12-31T23:55:00.000000Z');
    expect(staff?.rows).toBeGreaterThan(0);
    const payment = result.ingest.manifest.tables.find((t) => t.table === 'payment');
    expect(payment?.from).not.toBeNull();
    expect(payment?.from && payment.from < (others as string)).toBe(true);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
