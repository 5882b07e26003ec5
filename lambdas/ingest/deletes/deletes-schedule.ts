import { tableSetting, type PerTable } from '../../../contract/settings';
import {
  cameRound,
  parseScheduleExpression,
  type ScheduleExpression,
} from '../../../contract/schedule-expression';
import type { SourceTableName } from '../../shared/core/catalogue';
import { ConfigurationError } from '../../shared/core/pipeline-error';
import type { TableDeletesState } from '../../shared/ports/deletes-state-store';

/** A reconciliation asked for now (`deliverance deletes`), whatever the schedule says. */
export interface DeletesRequest {
  /** The tables to reconcile now; every table when absent. */
  readonly tables?: readonly SourceTableName[];
  /** Land what the guard holds for these tables. */
  readonly confirm?: boolean;
}

/**
 * Whether `table`'s deletes reconciliation is due in the ingest run at `now` (docs/guarantees.md,
 * "Deletes"): asked for, never finished (a first one, or one stopped at the cap), or the table's
 * schedule came round since it last compared the whole table. Evaluated by the ingest run itself,
 * so a table's deletes schedule needs no schedule of its own in AWS and runs the same locally:
 * the first run of the table after a cron instant (or a rate's interval) reconciles it.
 *
 * @example
 * const schedule = { default: 'rate(1 day)', tables: { payment: 'cron(0 2 * * ? *)' } };
 * isDueForDeletes('payment', { reconciledAt: '2026-12-04T02:01:00.000Z' }, schedule, undefined, new Date('2026-12-05T02:05:00Z')); // true
 */
export function isDueForDeletes(
  table: SourceTableName,
  state: TableDeletesState | undefined,
  schedule: PerTable<string>,
  request: DeletesRequest | undefined,
  now: Date,
): boolean {
  if (request && (request.tables === undefined || request.tables.includes(table))) return true;
  if (state?.resume === true) return true;
  const since = state?.reconciledAt === undefined ? Number.NaN : Date.parse(state.reconciledAt);
  if (Number.isNaN(since)) return true;
  return cameRound(scheduleOf(table, schedule), new Date(since), now);
}

function scheduleOf(table: SourceTableName, schedule: PerTable<string>): ScheduleExpression {
  const expression = tableSetting(schedule, table);
  const parsed = parseScheduleExpression(expression);
  if (typeof parsed === 'string') {
    throw new ConfigurationError(
      `The deletes schedule of ${table}, "${expression}", is not a schedule expression (${parsed}): fix deliverance:deletesSchedule (DELIVERANCE_DELETES_SCHEDULE locally) and deploy again`,
    );
  }
  return parsed;
}
