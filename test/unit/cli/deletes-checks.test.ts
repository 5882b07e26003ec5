import { deletesCheck, isOverdue } from '../../../cli/doctor/deletes-checks';
import type { SourceTableName } from '../../../lambdas/shared/core/catalogue';
import type {
  DeletesState,
  DeletesStateStore,
} from '../../../lambdas/shared/ports/deletes-state-store';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const DAY = 86_400;
const DAILY = 'rate(1 day)';
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

/** The deletes state as a store answers it; nothing is written. */
function store(state: DeletesState): DeletesStateStore {
  return {
    deletesState: () => Promise.resolve(state),
    setDeletesState: () => Promise.reject(new Error('doctor writes nothing')),
    locateDeletesState: () => 'deletes.json',
  };
}

/** Every reconciled table (department has no warehouse row) reconciled `seconds` ago. */
function reconciledAgo(seconds: number): Record<string, { reconciledAt: string }> {
  return Object.fromEntries(
    [
      'address',
      'counterparty',
      'currency',
      'design',
      'payment',
      'payment_type',
      'purchase_order',
      'sales_order',
      'staff',
      'transaction',
    ].map((t) => [t, { reconciledAt: ago(seconds) }]),
  );
}

function check(
  state: DeletesState | undefined,
  options: { paused?: string[]; stopped?: string[]; schedule?: string } = {},
) {
  return deletesCheck({
    state: state === undefined ? undefined : store(state),
    watermarks: {
      paused: () => Promise.resolve(options.paused ?? []),
      schemaChanges: () =>
        Promise.resolve(
          (options.stopped ?? []).map((table) => ({
            table: table as SourceTableName,
            column: 'x',
            change: 'dropped' as const,
            before: 'integer',
            after: null,
            firstSeen: ago(DAY),
            stops: true,
          })),
        ),
    },
    schedule: () => options.schedule,
    now: () => NOW,
  }).run();
}

describe('the deletes check of doctor', () => {
  it('fails on a table the guard holds, with its count, share and the command that lands it', async () => {
    const outcome = await check(
      {
        ...reconciledAgo(60),
        payment: { reconciledAt: ago(60), held: { keys: 6000, share: 1, at: ago(60) } },
      },
      { schedule: DAILY },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toBe(
      `payment: 6,000 keys (100.0% of the warehouse's) gone from the source, held by the guard since ${ago(60)}`,
    );
    expect(outcome.fix).toMatch(/deliverance deletes --table T --confirm .*"Deletes"\)$/);
  });

  it('fails on a reconciliation overdue against its schedule, and passes one merely due', async () => {
    const overdue = await check(
      { ...reconciledAgo(DAY), staff: { reconciledAt: ago(3 * DAY) } },
      { schedule: DAILY },
    );
    expect(overdue.status).toBe('fail');
    expect(overdue.detail).toBe('staff: last reconciled 3 d 0 h ago, due on rate(1 day)');
    expect(overdue.fix).toMatch(/deliverance deletes --table T runs one now/);
    expect(overdue.fix).not.toMatch(/--confirm/);

    const due = await check(reconciledAgo(DAY + 600), { schedule: DAILY });
    expect(due).toEqual({
      status: 'ok',
      detail:
        '10 of 10 tables reconciled, the oldest (address) 24 h 10 m ago; none held by the guard',
    });
  });

  it('says when an overdue table stopped at its cap, and which setting to raise', async () => {
    const stuck = await check(
      { ...reconciledAgo(DAY), staff: { reconciledAt: ago(3 * DAY), resume: true } },
      { schedule: DAILY },
    );
    expect(stuck.status).toBe('fail');
    expect(stuck.detail).toBe(
      'staff: last reconciled 3 d 0 h ago, due on rate(1 day), and its last run stopped at maxDeletesPerRun',
    );
    expect(stuck.fix).toMatch(/raise deliverance:maxDeletesPerRun/);
  });

  it('leaves paused tables, and the tables after them, out of what is overdue', async () => {
    // payment comes after transaction in foreign-key order: pausing transaction holds it too.
    const state = { ...reconciledAgo(60), payment: { reconciledAt: ago(5 * DAY) } };
    expect((await check(state, { schedule: DAILY })).status).toBe('fail');
    const paused = await check(state, { schedule: DAILY, paused: ['transaction'] });
    expect(paused.status).toBe('ok');
    expect(paused.detail).toMatch(/^8 of 8 tables reconciled/);
  });

  it('leaves a table a schema change stops, and the tables after it, out of what is overdue', async () => {
    const state = { ...reconciledAgo(60), payment: { reconciledAt: ago(5 * DAY) } };
    const stopped = await check(state, { schedule: DAILY, stopped: ['transaction'] });
    expect(stopped.status).toBe('ok');
    expect(stopped.detail).toMatch(/^8 of 8 tables reconciled/);
  });

  it('judges nothing overdue where the schedule is not known (a deployed stack)', async () => {
    const outcome = await check(reconciledAgo(30 * DAY), {});
    expect(outcome.status).toBe('ok');
    expect(outcome.detail).toMatch(/the oldest \(address\) 30 d 0 h ago/);
  });

  it('says when no reconciliation ran yet, and skips a stack without deletes state', async () => {
    expect(await check({}, { schedule: DAILY })).toEqual({
      status: 'ok',
      detail: 'no reconciliation yet: the first ingest run reconciles every table',
    });
    expect((await check(undefined)).status).toBe('skip');
  });

  it('gives a reconciliation a whole period after it came due, and an hour, before it is overdue', () => {
    const at = (iso: string) => new Date(iso);
    const since = at('2026-12-04T02:00:30Z');
    // A nightly cron: due at 02:00 on the 5th, overdue once 02:00 on the 6th is an hour past.
    const nightly = 'cron(0 2 * * ? *)';
    expect(isOverdue(nightly, since, at('2026-12-05T23:59:00Z'))).toBe(false);
    expect(isOverdue(nightly, since, at('2026-12-06T02:59:00Z'))).toBe(false);
    expect(isOverdue(nightly, since, at('2026-12-06T03:00:00Z'))).toBe(true);
    // A rate: two intervals and the hour.
    expect(isOverdue('rate(10 minutes)', since, at('2026-12-04T03:20:29Z'))).toBe(false);
    expect(isOverdue('rate(10 minutes)', since, at('2026-12-04T03:20:30Z'))).toBe(true);
    // An expression the settings would have refused judges nothing.
    expect(isOverdue('every night', since, at('2027-01-01T00:00:00Z'))).toBe(false);
  });
});
