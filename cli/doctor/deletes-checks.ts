import { cameRoundTwice, parseScheduleExpression } from '../../contract/schedule-expression';
import { DELETED_KEYS_REACH } from '../../contract/source-deletes';
import { pausedPlan } from '../../lambdas/ingest/paused-tables';
import { SOURCE_TABLE_NAMES, type SourceTableName } from '../../lambdas/shared/core/catalogue';
import type { DeletesStateStore } from '../../lambdas/shared/ports/deletes-state-store';
import type { WatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { formatSeconds } from '../status/format-status-text';
import { fail, ok, skip, type DoctorCheck } from './doctor-check';

/** Where the check reads, and how often each table is to be reconciled when that is known. */
export interface DeletesCheckSources {
  /** The deletes reconciliation's state; absent where the stack publishes none. */
  readonly state: DeletesStateStore | undefined;
  /**
   * The paused tables and the schema changes that stop a table: ingest leaves those tables, and
   * the tables after them, and their reconciliation with them.
   */
  readonly watermarks: Pick<WatermarkStore, 'paused' | 'schemaChanges'>;
  /**
   * A table's deletes schedule expression, or undefined where doctor cannot know it (a deployed
   * stack's setting is the functions'): then nothing is judged overdue.
   */
  readonly schedule: (table: SourceTableName) => string | undefined;
  readonly now?: () => Date;
}

/**
 * A reconciliation runs within the first ingest run of its table after its schedule comes round:
 * one is overdue when the schedule came round twice since the last full run, an hour ago.
 */
export function isOverdue(expression: string, reconciledAt: Date, now: Date): boolean {
  const schedule = parseScheduleExpression(expression);
  if (typeof schedule === 'string') return false;
  return cameRoundTwice(schedule, reconciledAt, new Date(now.getTime() - OVERDUE_GRACE_MS));
}

const OVERDUE_GRACE_MS = 3_600_000;

const count = (n: number) => n.toLocaleString('en-GB');

/**
 * The deletes reconciliation (docs/guarantees.md §7): a table whose deletes the guard holds
 * fails the check with its count and share, and so does one whose last full reconciliation is
 * overdue against its schedule (paused and schema-stopped tables aside); otherwise how long ago the oldest was.
 */
export function deletesCheck(sources: DeletesCheckSources): DoctorCheck {
  return {
    name: 'deletes',
    async run() {
      if (!sources.state) return skip('this stack keeps no deletes state (deploy this release)');
      const state = await sources.state.deletesState();
      const now = (sources.now ?? (() => new Date()))().getTime();
      const held = Object.entries(state).flatMap(([table, s]) =>
        s.held ? [{ table, ...s.held }] : [],
      );
      const stopped = (await sources.watermarks.schemaChanges()).flatMap((c) =>
        c.stops ? [c.table] : [],
      );
      const left = pausedPlan(SOURCE_TABLE_NAMES, [
        ...(await sources.watermarks.paused()),
        ...stopped,
      ]);
      const reconciled = SOURCE_TABLE_NAMES.filter(
        (t) => DELETED_KEYS_REACH[t] !== null && !left.paused.includes(t) && !left.held.includes(t),
      );
      const ages = reconciled.flatMap((table) => {
        const at = state[table]?.reconciledAt;
        return at === undefined
          ? []
          : [{ table, seconds: (now - Date.parse(at)) / 1000, capped: state[table]?.resume }];
      });
      const overdue = ages.flatMap((a) => {
        const expression = sources.schedule(a.table);
        return expression !== undefined &&
          isOverdue(expression, new Date(now - a.seconds * 1000), new Date(now))
          ? [{ ...a, expression }]
          : [];
      });
      const problems = [
        ...held.map(
          (h) =>
            `${h.table}: ${count(h.keys)} ${h.keys === 1 ? 'key' : 'keys'} (${(h.share * 100).toFixed(1)}% of the warehouse's) gone from the source, held by the guard since ${h.at}`,
        ),
        ...overdue.map(
          (a) =>
            `${a.table}: last reconciled ${formatSeconds(a.seconds)} ago, due on ${a.expression}${a.capped ? ', and its last run stopped at maxDeletesPerRun' : ''}`,
        ),
      ];
      if (problems.length > 0) {
        return fail(
          problems.join('; '),
          [
            ...(held.length > 0
              ? [
                  'check the source (a truncated or restored table?); if the deletes are real, deliverance deletes --table T --confirm',
                ]
              : []),
            ...(overdue.length > 0
              ? [
                  'a reconciliation runs inside an ingest run that reads the table: is ingest running and reaching the warehouse? deliverance deletes --table T runs one now',
                ]
              : []),
            ...(overdue.some((a) => a.capped)
              ? [
                  'a table that stops at maxDeletesPerRun run after run deletes faster than it is reconciled: raise deliverance:maxDeletesPerRun',
                ]
              : []),
          ].join('; ') + ' (docs/operations.md, "Deletes")',
        );
      }
      if (ages.length === 0)
        return ok('no reconciliation yet: the first ingest run reconciles every table');
      const oldest = ages.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      return ok(
        `${ages.length} of ${reconciled.length} tables reconciled, the oldest (${oldest.table}) ${formatSeconds(oldest.seconds)} ago; none held by the guard`,
      );
    },
  };
}
