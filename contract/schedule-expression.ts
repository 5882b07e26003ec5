/**
 * EventBridge schedule expressions, `cron(...)` and `rate(...)`: checked where a setting is read,
 * so a typo in `cdk.json` fails `cdk synth` with a sentence naming the field, not a CloudFormation
 * rollback twenty minutes into a deploy; and evaluated where a run asks whether a schedule came
 * round since it last did its work (the deletes reconciliation's per-table schedule), in UTC as
 * EventBridge evaluates them.
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Matches a whole comma-separated item that is valid only in this field (L, W, #, ?). */
  readonly special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, special: /^(L|[1-7]L|[1-7]#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNIT_MS: Readonly<Record<string, number>> = { minute: MINUTE, hour: HOUR, day: DAY };

/**
 * Whether one field allows `value` on `day` (midnight UTC): the day fields' `L`, `W` and `#` are
 * rules on the date, the rest plain values.
 */
type FieldMatch = (value: number, day: Date) => boolean;

/** A valid expression, ready to evaluate. */
export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly milliseconds: number }
  | { readonly kind: 'cron'; readonly fields: readonly FieldMatch[] };

/**
 * Checks a `cron(...)` or `rate(...)` expression.
 *
 * @returns `undefined` when valid, otherwise the reason it is not.
 * @example
 * validateScheduleExpression('cron(0/5 * * * ? *)'); // undefined
 * validateScheduleExpression('cron(*\/5 * * * *)'); // 'expected 6 fields …, got 5'
 */
export function validateScheduleExpression(expression: string): string | undefined {
  const parsed = parseScheduleExpression(expression);
  return typeof parsed === 'string' ? parsed : undefined;
}

/**
 * A `cron(...)` or `rate(...)` expression ready for `cameRound`, or the reason it is not valid.
 *
 * @example
 * parseScheduleExpression('rate(1 day)'); // { kind: 'rate', milliseconds: 86400000 }
 */
export function parseScheduleExpression(expression: string): ScheduleExpression | string {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1';
    if ((value === 1) !== !unit.endsWith('s')) {
      return `write "rate(${value} ${value === 1 ? unit.replace(/s$/, '') : unit.replace(/s?$/, 's')})"`;
    }
    return { kind: 'rate', milliseconds: value * (UNIT_MS[unit.replace(/s$/, '')] ?? DAY) };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron)
    return 'expected "cron(minutes hours day-of-month month day-of-week year)" or "rate(N unit)"';
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  const matches: FieldMatch[] = [];
  for (const [index, spec] of CRON_FIELDS.entries()) {
    const match = fieldMatch(fields[index] ?? '', spec);
    if (typeof match === 'string') return `${spec.name} field "${fields[index]}": ${match}`;
    matches.push(match);
  }
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be "?"';
  }
  return { kind: 'cron', fields: matches };
}

/**
 * Whether `schedule` came round after `since`, by `now`: a cron expression has an instant in
 * (since, now]; a rate has passed since `since`.
 *
 * @example
 * const nightly = parseScheduleExpression('cron(0 2 * * ? *)') as ScheduleExpression;
 * cameRound(nightly, new Date('2026-12-04T02:00:30Z'), new Date('2026-12-05T02:03:00Z')); // true
 * cameRound(nightly, new Date('2026-12-04T02:00:30Z'), new Date('2026-12-05T01:59:00Z')); // false
 */
export function cameRound(schedule: ScheduleExpression, since: Date, now: Date): boolean {
  if (schedule.kind === 'rate') return now.getTime() - since.getTime() >= schedule.milliseconds;
  const latest = lastInstant(schedule.fields, since.getTime(), now.getTime());
  return latest !== undefined && latest > since.getTime();
}

/**
 * Whether `schedule` came round at least twice after `since`, by `now`: a whole period went by
 * after the first instant with nothing done, which is how `deliverance doctor` tells a late
 * reconciliation from one merely waiting for its table's next ingest run.
 *
 * @example
 * const nightly = parseScheduleExpression('cron(0 2 * * ? *)') as ScheduleExpression;
 * cameRoundTwice(nightly, new Date('2026-12-04T02:00:30Z'), new Date('2026-12-05T02:03:00Z')); // false
 * cameRoundTwice(nightly, new Date('2026-12-04T02:00:30Z'), new Date('2026-12-06T02:03:00Z')); // true
 */
export function cameRoundTwice(schedule: ScheduleExpression, since: Date, now: Date): boolean {
  if (schedule.kind === 'rate') return now.getTime() - since.getTime() >= 2 * schedule.milliseconds;
  const latest = lastInstant(schedule.fields, since.getTime(), now.getTime());
  if (latest === undefined || latest <= since.getTime()) return false;
  const before = lastInstant(schedule.fields, since.getTime(), latest - 1);
  return before !== undefined && before > since.getTime();
}

/**
 * The latest instant of a cron expression at or before `now`, looked for back to the day of
 * `since` only: an instant before that day is no later than `since` anyway.
 */
function lastInstant(
  fields: readonly FieldMatch[],
  since: number,
  now: number,
): number | undefined {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields as [
    FieldMatch,
    FieldMatch,
    FieldMatch,
    FieldMatch,
    FieldMatch,
    FieldMatch,
  ];
  const last = Math.floor(now / MINUTE) * MINUTE;
  for (let day = Math.floor(last / DAY) * DAY; day + DAY > since; day -= DAY) {
    const date = new Date(day);
    const dateMatches =
      year(date.getUTCFullYear(), date) &&
      month(date.getUTCMonth() + 1, date) &&
      dayOfMonth(date.getUTCDate(), date) &&
      dayOfWeek(date.getUTCDay() + 1, date);
    if (!dateMatches) continue;
    for (let hour = 23; hour >= 0; hour--) {
      if (!hours(hour, date)) continue;
      for (let minute = 59; minute >= 0; minute--) {
        const at = day + hour * HOUR + minute * MINUTE;
        if (at <= last && minutes(minute, date)) return at;
      }
    }
  }
  return undefined;
}

function fieldMatch(field: string, spec: CronField): FieldMatch | string {
  const dayField = spec.name.startsWith('day-of-');
  if (field === '?') return dayField ? () => true : '"?" is allowed only in the day fields';
  const items: FieldMatch[] = [];
  for (const item of field.split(',')) {
    if (spec.special?.test(item)) {
      items.push(spec.name === 'day-of-month' ? dayOfMonthRule(item) : dayOfWeekRule(item));
      continue;
    }
    const [range = '', step, ...extra] = item.split('/');
    if (extra.length > 0) return `"${item}" has more than one "/"`;
    if (step !== undefined && !/^\d+$/.test(step)) return `step "${step}" is not a number`;
    if (step !== undefined && Number(step) < 1) return `step "${step}" must be at least 1`;
    const bounds = range === '*' ? [String(spec.min), String(spec.max)] : range.split('-');
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = parseValue(bound, spec);
      if (value === undefined) {
        return `"${bound}" is not a value between ${spec.min} and ${spec.max}${spec.names ? ` or one of ${spec.names.join(' ')}` : ''}`;
      }
      values.push(value);
    }
    const from = values[0] as number;
    // "5/15" runs from 5 to the field's end; a range from a later value wraps round (FRI-MON).
    const to = values[1] ?? (step === undefined ? from : spec.max);
    const allowed = new Set(stepped(from, to, Number(step ?? 1), spec));
    items.push((value) => allowed.has(value));
  }
  return (value, day) => items.some((match) => match(value, day));
}

function stepped(from: number, to: number, step: number, spec: CronField): number[] {
  const span = to >= from ? to - from : spec.max - from + 1 + (to - spec.min);
  const values: number[] = [];
  for (let offset = 0; offset <= span; offset += step) {
    const value = from + offset;
    values.push(value > spec.max ? value - (spec.max - spec.min + 1) : value);
  }
  return values;
}

/** `L` (the month's last day), `LW` (its last weekday), `15W` (the weekday nearest the 15th). */
function dayOfMonthRule(item: string): FieldMatch {
  return (_, day) => {
    const date = day.getUTCDate();
    const last = daysInMonth(day);
    if (item === 'L') return date === last;
    const target = item === 'LW' ? last : Number(item.slice(0, -1));
    return target <= last && date === nearestWeekday(day, target, last);
  };
}

/** `L` (Saturday, the week's last day), `5L` (the month's last Thursday), `2#1` (its first Monday). */
function dayOfWeekRule(item: string): FieldMatch {
  return (weekday, day) => {
    if (item === 'L') return weekday === 7;
    if (item.endsWith('L')) {
      return weekday === Number(item[0]) && day.getUTCDate() + 7 > daysInMonth(day);
    }
    const [wanted, nth] = item.split('#').map(Number);
    return weekday === wanted && Math.ceil(day.getUTCDate() / 7) === nth;
  };
}

/** The weekday nearest the `target` day of `day`'s month, never crossing into another month. */
function nearestWeekday(day: Date, target: number, last: number): number {
  const weekday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function daysInMonth(day: Date): number {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, 0)).getUTCDate();
}

function parseValue(token: string, spec: CronField): number | undefined {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  return value >= spec.min && value <= spec.max ? value : undefined;
}
