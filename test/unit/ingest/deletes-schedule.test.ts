import { isDueForDeletes } from '../../../lambdas/ingest/deletes/deletes-schedule';
import { errorKind } from '../../../lambdas/shared/core/pipeline-error';

const schedule = {
  default: 'rate(1 day)',
  tables: { payment: 'cron(0 2 * * ? *)', staff: 'rate(7 days)' },
};
const now = new Date('2026-12-05T02:05:00Z');
const reconciledAt = (at: string) => ({ reconciledAt: at });

describe("a table's deletes reconciliation", () => {
  it('is due when its own schedule came round since it last compared the whole table', () => {
    const last = reconciledAt('2026-12-04T02:01:00.000Z');
    expect(isDueForDeletes('payment', last, schedule, undefined, now)).toBe(true);
    expect(isDueForDeletes('sales_order', last, schedule, undefined, now)).toBe(true);
    expect(isDueForDeletes('staff', last, schedule, undefined, now)).toBe(false);
    // An hour earlier: before payment's 02:00, and short of the default's day.
    const early = new Date('2026-12-05T01:05:00Z');
    expect(isDueForDeletes('payment', last, schedule, undefined, early)).toBe(false);
    expect(isDueForDeletes('sales_order', last, schedule, undefined, early)).toBe(false);
  });

  it('is due at once when none finished: a first, one stopped at the cap, a time that is not one', () => {
    expect(isDueForDeletes('staff', undefined, schedule, undefined, now)).toBe(true);
    expect(isDueForDeletes('staff', { pendingBatch: 'b' }, schedule, undefined, now)).toBe(true);
    const stopped = { reconciledAt: '2026-12-05T02:04:00.000Z', resume: true as const };
    expect(isDueForDeletes('staff', stopped, schedule, undefined, now)).toBe(true);
    expect(
      isDueForDeletes('staff', { ...stopped, resume: undefined }, schedule, undefined, now),
    ).toBe(false);
    expect(isDueForDeletes('staff', reconciledAt('yesterday'), schedule, undefined, now)).toBe(
      true,
    );
  });

  it('is due when asked for, whatever its schedule, and only for the tables asked', () => {
    const last = reconciledAt('2026-12-05T02:04:00.000Z');
    expect(isDueForDeletes('staff', last, schedule, {}, now)).toBe(true);
    expect(isDueForDeletes('staff', last, schedule, { tables: ['staff'] }, now)).toBe(true);
    expect(isDueForDeletes('payment', last, schedule, { tables: ['staff'] }, now)).toBe(false);
  });

  it('refuses an expression that is not one as a configuration fault naming the table', () => {
    const failure = (() => {
      try {
        return isDueForDeletes(
          'payment',
          reconciledAt('2026-12-04T00:00:00.000Z'),
          { default: 'daily', tables: {} },
          undefined,
          now,
        );
      } catch (error) {
        return error;
      }
    })();
    expect(errorKind(failure)).toBe('fatal');
    expect((failure as Error).message).toMatch(
      /^The deletes schedule of payment, "daily", is not a schedule expression \(expected "cron/,
    );
  });
});
