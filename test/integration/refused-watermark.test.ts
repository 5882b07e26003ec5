import { collectStatus, localStatusSources } from '../../cli/status/pipeline-status';
import { WatermarkError } from '../../lambdas/ingest/window';
import { silentLogger } from '../../lambdas/shared/ports/stage-logger';
import { runCycle } from '../../local/run-cycle';
import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference, recordSourceHistory } from './support/reference';
import { runDeliverance } from '../support/deliverance-command';
import { cliEnvironment, startTestStack, type TestStack } from './support/test-stack';

/**
 * A watermark the source's clock has not reached would make every window empty: the table would
 * stall while every run "succeeded". The ingest refuses it instead, loudly, and lands nothing.
 */
let stack: TestStack;
const options = { logger: silentLogger, overlapSeconds: 60 };

beforeAll(async () => {
  stack = await startTestStack();
  await seedTotesys(stack.stack.postgres!.url('totesys'), { scale: 0.02 });
  await recordSourceHistory(stack.source);
  await runCycle(stack, options);
});
afterAll(() => stack?.stop());

const AHEAD = '2099-01-01T00:00:00.000000Z';

async function changeStaff(): Promise<void> {
  await stack.source.query(
    `UPDATE staff SET last_name = last_name || 'y', last_updated = now()
     WHERE staff_id = (SELECT min(staff_id) FROM staff)`,
  );
}

const deliveranceRun = () => runDeliverance(['run'], cliEnvironment(stack));

describe("a watermark later than the source's clock", () => {
  it('fails `deliverance run` with one line naming the table, both times and the fix', async () => {
    await stack.watermarks.write('staff', AHEAD);
    await changeStaff();
    const landedBefore = await stack.landing.list('staff/');
    const { code, stderr } = await deliveranceRun();
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^deliverance: The watermark of staff \(2099-01-01T00:00:00\.000000Z\) is later than the source's clock \(\d{4}-\d\d-\d\dT[\d:.]{15}Z\), so every window would be empty: set "staff" in .*watermarks\.json to /,
    );
    // Nothing landed for any table, and the watermark stayed for the operator to see.
    expect(await stack.landing.list('staff/')).toEqual(landedBefore);
    expect(await stack.watermarks.read('staff')).toBe(AHEAD);
  });

  it('shows the refusal in status as the failed ingest of its run', async () => {
    const status = await collectStatus(localStatusSources(stack), { limit: 5 });
    expect(status.failures[0]).toEqual(
      expect.objectContaining({
        stage: 'ingest',
        error: expect.stringContaining(`The watermark of staff (${AHEAD}) is later than`),
      }),
    );
  });

  it('refuses a watermark that is not a timestamp the same way', async () => {
    await stack.watermarks.write('staff', 'not-a-time');
    await expect(runCycle(stack, options)).rejects.toThrow(WatermarkError);
    await expect(runCycle(stack, options)).rejects.toThrow(
      'The watermark of staff is not a timestamp ("not-a-time")',
    );
  });

  it('refuses every bad watermark at once, naming each, and lands nothing', async () => {
    const paymentBefore = await stack.watermarks.read('payment');
    await stack.watermarks.write('staff', 'not-a-time');
    await stack.watermarks.write('payment', AHEAD);
    const landedBefore = await stack.landing.list('manifests/');
    await expect(runCycle(stack, options)).rejects.toThrow(
      /^2 watermarks are refused: The watermark of staff is not a timestamp \("not-a-time"\)[^|]* \| The watermark of payment \(2099-01-01T00:00:00\.000000Z\) is later than the source's clock/,
    );
    expect(await stack.landing.list('manifests/')).toEqual(landedBefore);
    await stack.watermarks.write('payment', paymentBefore!);
  });

  it('resumes without loss once the operator sets the watermark back', async () => {
    await stack.watermarks.write('staff', '2020-01-01T00:00:00.000000Z');
    await runCycle(stack, options);
    expect(await compareWithReference(stack.source, stack.warehouse)).toEqual([]);
  });
});
