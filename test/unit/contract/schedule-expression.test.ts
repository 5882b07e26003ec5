import {
  cameRound,
  cameRoundTwice,
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

const cameTwice = (expression: string, since: string, now: string) =>
  cameRoundTwice(schedule(expression), new Date(since), new Date(now));

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

  it('reads every hour of a range that wraps round midnight, and every day of one that wraps the week', () => {
    expect(came('cron(0 22-2 * * ? *)', '2026-12-05T01:00:30Z', '2026-12-05T01:59:00Z')).toBe(
      false,
    );
    expect(came('cron(0 22-2 * * ? *)', '2026-12-05T01:00:30Z', '2026-12-05T02:00:00Z')).toBe(true);
    const fridayToMonday = 'cron(0 9 ? * FRI-MON *)';
    expect(came(fridayToMonday, '2026-12-06T09:00:30Z', '2026-12-07T09:00:00Z')).toBe(true);
    expect(came(fridayToMonday, '2026-12-07T09:00:30Z', '2026-12-10T23:59:00Z')).toBe(false);
  });

  it('reads the nearest weekday of a two-digit day, and of a Saturday, never leaving the month', () => {
    // 2026-12-15 is a Tuesday: 15W is the 15th, not the 1st.
    expect(came('cron(0 9 15W * ? *)', '2026-11-30T00:00:00Z', '2026-12-14T23:59:00Z')).toBe(false);
    expect(came('cron(0 9 15W * ? *)', '2026-11-30T00:00:00Z', '2026-12-15T09:00:00Z')).toBe(true);
    // 2026-12-12 is a Saturday: 12W is Friday the 11th.
    expect(came('cron(0 9 12W * ? *)', '2026-12-01T00:00:00Z', '2026-12-10T23:59:00Z')).toBe(false);
    expect(came('cron(0 9 12W * ? *)', '2026-12-01T00:00:00Z', '2026-12-11T09:00:00Z')).toBe(true);
    expect(came('cron(0 9 12W * ? *)', '2026-12-11T09:00:30Z', '2026-12-31T23:59:00Z')).toBe(false);
    // 2027-05-01 is a Saturday: 1W is Monday the 3rd, not the Friday of April before it (April's 1W is
    // Thursday the 1st).
    expect(came('cron(0 9 1W * ? *)', '2027-04-01T09:00:30Z', '2027-05-02T23:59:00Z')).toBe(false);
    expect(came('cron(0 9 1W * ? *)', '2027-04-01T09:00:30Z', '2027-05-03T09:00:00Z')).toBe(true);
    // April 2027 has 30 days and ends on a Friday: 31W never comes round in it.
    expect(came('cron(0 9 31W * ? *)', '2027-04-01T00:00:00Z', '2027-04-30T23:59:00Z')).toBe(false);
  });

  it('reads the last day of a month shorter than the one two before it, and of the week', () => {
    // April 2027 has 30 days; February before it 28.
    expect(came('cron(0 18 L * ? *)', '2027-04-01T00:00:00Z', '2027-04-29T23:59:00Z')).toBe(false);
    expect(came('cron(0 18 L * ? *)', '2027-04-01T00:00:00Z', '2027-04-30T18:00:00Z')).toBe(true);
    // L in the day of the week is Saturday.
    expect(came('cron(0 9 ? * L *)', '2026-12-04T00:00:00Z', '2026-12-04T23:59:00Z')).toBe(false);
    expect(came('cron(0 9 ? * L *)', '2026-12-04T00:00:00Z', '2026-12-05T09:00:00Z')).toBe(true);
  });

  it('reads the last of a weekday as that weekday in the last seven days only, and #n as the nth only', () => {
    // December 2026's last Friday is the 25th: no other day of its last week, no earlier Friday.
    expect(came('cron(0 8 ? * 6L *)', '2026-12-25T08:00:30Z', '2026-12-31T23:59:00Z')).toBe(false);
    expect(came('cron(0 8 ? * 6L *)', '2026-12-01T00:00:00Z', '2026-12-24T23:59:00Z')).toBe(false);
    // April 2027 ends on Friday the 30th: the 23rd, seven days before, is not its last Friday.
    expect(came('cron(0 8 ? * 6L *)', '2027-04-01T00:00:00Z', '2027-04-29T23:59:00Z')).toBe(false);
    // The second Monday of December 2026 (the 14th) is not its first.
    expect(came('cron(0 8 ? * 2#1 *)', '2026-12-07T08:00:30Z', '2026-12-31T23:59:00Z')).toBe(false);
  });

  it('comes round twice when a whole period went by after the first instant', () => {
    const nightly = 'cron(0 2 * * ? *)';
    expect(cameTwice(nightly, '2026-12-04T02:00:30Z', '2026-12-05T02:03:00Z')).toBe(false);
    expect(cameTwice(nightly, '2026-12-04T02:00:30Z', '2026-12-06T02:00:00Z')).toBe(true);
    // An instant at since itself is not after it.
    expect(cameTwice(nightly, '2026-12-04T02:00:00Z', '2026-12-05T02:00:00Z')).toBe(false);
    expect(cameTwice('cron(0 0 * * ? 2030)', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toBe(
      false,
    );
    expect(cameTwice('rate(1 hour)', '2026-12-05T12:00:00Z', '2026-12-05T13:59:00Z')).toBe(false);
    expect(cameTwice('rate(1 hour)', '2026-12-05T12:00:00Z', '2026-12-05T14:00:00Z')).toBe(true);
  });

  it('refuses a step of 0, which would never move', () => {
    expect(parseScheduleExpression('cron(0/0 * * * ? *)')).toBe(
      'minutes field "0/0": step "0" must be at least 1',
    );
  });
});

describe('a schedule expression refused, with the reason', () => {
  it.each([
    ['rate(0 minutes)', 'a rate must be at least 1'],
    ['rate(1 minutes)', 'write "rate(1 minute)"'],
    ['rate(1 days)', 'write "rate(1 day)"'],
    ['rate(5 minute)', 'write "rate(5 minutes)"'],
    ['rate(2 hour)', 'write "rate(2 hours)"'],
    [
      'xcron(0 2 * * ? *)',
      'expected "cron(minutes hours day-of-month month day-of-week year)" or "rate(N unit)"',
    ],
    [
      'cron(0 2 * * ? *)x',
      'expected "cron(minutes hours day-of-month month day-of-week year)" or "rate(N unit)"',
    ],
    [
      'cron(0 2 * * *)',
      'expected 6 fields (minutes hours day-of-month month day-of-week year), got 5',
    ],
    ['cron(? 2 * * ? *)', 'minutes field "?": "?" is allowed only in the day fields'],
    ['cron(0/5/2 * * * ? *)', 'minutes field "0/5/2": "0/5/2" has more than one "/"'],
    ['cron(0/x * * * ? *)', 'minutes field "0/x": step "x" is not a number'],
    ['cron(0/x1 * * * ? *)', 'minutes field "0/x1": step "x1" is not a number'],
    ['cron(0/1x * * * ? *)', 'minutes field "0/1x": step "1x" is not a number'],
    ['cron(1-2-3 * * * ? *)', 'minutes field "1-2-3": "1-2-3" is not a value or a range'],
    ['cron(60 * * * ? *)', 'minutes field "60": "60" is not a value between 0 and 59'],
    ['cron(1e1 * * * ? *)', 'minutes field "1e1": "1e1" is not a value between 0 and 59'],
    ['cron(0 0 * * ? 1969)', 'year field "1969": "1969" is not a value between 1970 and 2199'],
    [
      'cron(0 0 1 SEPT ? *)',
      'month field "SEPT": "SEPT" is not a value between 1 and 12 or one of JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC',
    ],
    ['cron(0 2 * * * *)', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['cron(0 2 ? * ? *)', 'exactly one of day-of-month and day-of-week must be "?"'],
  ])('%s: %s', (expression, reason) => {
    expect(parseScheduleExpression(expression)).toBe(reason);
  });

  it.each(['cron( 0 2 * * ? * )', 'cron(0  2 * * ? *)', 'cron(0/1 * * * ? *)', 'rate(1 minute)'])(
    'takes %s',
    (expression) => {
      expect(typeof parseScheduleExpression(expression)).toBe('object');
    },
  );
});
