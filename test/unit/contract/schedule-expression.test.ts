import {
  cameRound,
  parseScheduleExpression,
  type ScheduleExpression,
} from '../../../contract/schedule-expression';

function schedule(expression: string): ScheduleExpression {
  const parsed = parseScheduleExpression(expression);
  if (typeof parsed === 'string') throw new Error(`${expression}: ${parsed}`);
  return parsed;
}

/** Whether `expression` came round after `since`, by `now` (UTC). */
const came = (expression: string, since: string, now: string) =>
  cameRound(schedule(expression), new Date(since), new Date(now));

// 2026-12-04 is a Friday, 2026-12-05 a Saturday, 2026-12-07 a Monday.
describe('a schedule expression coming round', () => {
  it('is a rate whose interval has passed since', () => {
    expect(came('rate(1 day)', '2026-12-04T12:00:00Z', '2026-12-05T11:59:59Z')).toBe(false);
    expect(came('rate(1 day)', '2026-12-04T12:00:00Z', '2026-12-05T12:00:00Z')).toBe(true);
    expect(came('rate(90 minutes)', '2026-12-05T12:00:00Z', '2026-12-05T13:29:00Z')).toBe(false);
    expect(came('rate(90 minutes)', '2026-12-05T12:00:00Z', '2026-12-05T13:30:00Z')).toBe(true);
    expect(came('rate(2 hours)', '2026-12-05T12:00:00Z', '2026-12-05T13:59:00Z')).toBe(false);
  });

  it('is a cron instant after since and no later than now', () => {
    const nightly = 'cron(0 2 * * ? *)';
    expect(came(nightly, '2026-12-04T02:00:30Z', '2026-12-05T01:59:59Z')).toBe(false);
    expect(came(nightly, '2026-12-04T02:00:30Z', '2026-12-05T02:00:00Z')).toBe(true);
    expect(came(nightly, '2026-12-05T02:00:00Z', '2026-12-05T02:04:00Z')).toBe(false);
    expect(came(nightly, '2026-12-01T02:00:30Z', '2026-12-05T01:00:00Z')).toBe(true);
  });

  it('reads steps, ranges that wrap round, lists and names', () => {
    const weekdays = 'cron(5/15 * ? * MON-FRI *)';
    expect(came(weekdays, '2026-12-04T10:05:30Z', '2026-12-04T10:19:59Z')).toBe(false);
    expect(came(weekdays, '2026-12-04T10:05:30Z', '2026-12-04T10:20:00Z')).toBe(true);
    expect(came(weekdays, '2026-12-04T23:50:30Z', '2026-12-06T23:59:00Z')).toBe(false);
    expect(came(weekdays, '2026-12-04T23:50:30Z', '2026-12-07T00:05:00Z')).toBe(true);
    expect(came('cron(0 22-2 * * ? *)', '2026-12-05T02:00:30Z', '2026-12-05T21:59:00Z')).toBe(
      false,
    );
    expect(came('cron(0 22-2 * * ? *)', '2026-12-05T02:00:30Z', '2026-12-05T22:00:00Z')).toBe(true);
    const halfYearly = 'cron(0 0 1 JAN,JUL ? *)';
    expect(came(halfYearly, '2026-07-01T00:00:30Z', '2026-12-31T23:59:00Z')).toBe(false);
    expect(came(halfYearly, '2026-07-01T00:00:30Z', '2027-01-01T00:00:00Z')).toBe(true);
  });

  it("reads the day rules: the month's last day and last weekday, the nearest weekday, the nth and the last of a weekday", () => {
    expect(came('cron(0 18 L * ? *)', '2026-11-30T18:00:30Z', '2026-12-30T23:00:00Z')).toBe(false);
    expect(came('cron(0 18 L * ? *)', '2026-11-30T18:00:30Z', '2026-12-31T18:00:00Z')).toBe(true);
    // 2027-01-31 is a Sunday: the last weekday is Friday the 29th.
    expect(came('cron(0 9 LW * ? *)', '2027-01-01T00:00:00Z', '2027-01-28T23:59:00Z')).toBe(false);
    expect(came('cron(0 9 LW * ? *)', '2027-01-01T00:00:00Z', '2027-01-29T09:00:00Z')).toBe(true);
    // 2026-12-06 is a Sunday: the weekday nearest it is Monday the 7th.
    expect(came('cron(0 9 6W * ? *)', '2026-12-01T00:00:00Z', '2026-12-07T08:59:00Z')).toBe(false);
    expect(came('cron(0 9 6W * ? *)', '2026-12-01T00:00:00Z', '2026-12-07T09:00:00Z')).toBe(true);
    // The first Monday of December 2026 is the 7th; its last Friday the 25th.
    expect(came('cron(0 8 ? * 2#1 *)', '2026-12-01T00:00:00Z', '2026-12-06T23:59:00Z')).toBe(false);
    expect(came('cron(0 8 ? * 2#1 *)', '2026-12-01T00:00:00Z', '2026-12-07T08:00:00Z')).toBe(true);
    expect(came('cron(0 8 ? * 6L *)', '2026-12-18T09:00:00Z', '2026-12-25T07:59:00Z')).toBe(false);
    expect(came('cron(0 8 ? * 6L *)', '2026-12-18T09:00:00Z', '2026-12-25T08:00:00Z')).toBe(true);
  });

  it('never comes round in a year the expression leaves out', () => {
    expect(came('cron(0 0 * * ? 2030)', '2026-01-01T00:00:00Z', '2029-12-31T23:59:00Z')).toBe(
      false,
    );
    expect(came('cron(0 0 * * ? 2030)', '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z')).toBe(true);
  });

  it('refuses a step of 0, which would never move', () => {
    expect(parseScheduleExpression('cron(0/0 * * * ? *)')).toBe(
      'minutes field "0/0": step "0" must be at least 1',
    );
  });
});
