/**
 * Validation of EventBridge schedule expressions at synth time: a typo in `cdk.json` should fail
 * `cdk synth` with a sentence naming the field, not a CloudFormation rollback twenty minutes
 * into a deploy.
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

/**
 * Checks a `cron(...)` or `rate(...)` expression.
 *
 * @returns `undefined` when valid, otherwise the reason it is not.
 * @example
 * validateScheduleExpression('cron(0/5 * * * ? *)'); // undefined
 * validateScheduleExpression('cron(*\/5 * * * *)'); // 'expected 6 fields …, got 5'
 */
export function validateScheduleExpression(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1) return 'a rate must be at least 1';
    if ((value === 1) !== !unit.endsWith('s')) {
      return `write "rate(${value} ${value === 1 ? unit.replace(/s$/, '') : unit.replace(/s?$/, 's')})"`;
    }
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron)
    return 'expected "cron(minutes hours day-of-month month day-of-week year)" or "rate(N unit)"';
  const fields = (cron[1] ?? '').trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  for (const [index, spec] of CRON_FIELDS.entries()) {
    const problem = validateField(fields[index] ?? '', spec);
    if (problem) return `${spec.name} field "${fields[index]}": ${problem}`;
  }
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be "?"';
  }
  return undefined;
}

function validateField(field: string, spec: CronField): string | undefined {
  const dayField = spec.name.startsWith('day-of-');
  if (field === '?') return dayField ? undefined : '"?" is allowed only in the day fields';
  for (const item of field.split(',')) {
    if (spec.special?.test(item)) continue;
    const [range = '', step, ...extra] = item.split('/');
    if (extra.length > 0) return `"${item}" has more than one "/"`;
    if (step !== undefined && !/^\d+$/.test(step)) return `step "${step}" is not a number`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    for (const bound of bounds) {
      const value = parseValue(bound, spec);
      if (value === undefined) {
        return `"${bound}" is not a value between ${spec.min} and ${spec.max}${spec.names ? ` or one of ${spec.names.join(' ')}` : ''}`;
      }
    }
  }
  return undefined;
}

function parseValue(token: string, spec: CronField): number | undefined {
  const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) return undefined;
  const value = Number(token);
  return value >= spec.min && value <= spec.max ? value : undefined;
}
