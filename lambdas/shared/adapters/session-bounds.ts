import type { PoolConfig } from 'pg';

/** The stages that open database sessions; each session carries its stage's name. */
export type DatabaseStage = 'ingest' | 'load';

/** The settings {@link sessionBounds} answers, each sent when a session starts. */
export type SessionSettings = Required<
  Pick<
    PoolConfig,
    | 'application_name'
    | 'statement_timeout'
    | 'lock_timeout'
    | 'idle_in_transaction_session_timeout'
  >
>;

/**
 * The budget of a local run's sessions: the largest function's timeout (15 minutes), so a local
 * run is bounded as the longest Lambda run would be.
 */
export const LOCAL_BUDGET_MS = 15 * 60_000;

/**
 * Bounds every session of a stage by the time the stage has (in Lambda, the invocation's
 * remaining time when the pool opens), so that a stage killed at its timeout cannot leave a
 * session holding the load lock while its retry waits:
 *
 * - `statement_timeout` = 90 % of the budget: a statement ends before the function does, with an
 *   error the stage still has time to record;
 * - `lock_timeout` = a third: a stage behind a stuck lock holder gives up with a reason and two
 *   thirds of its time left, instead of dying at its timeout;
 * - `idle_in_transaction_session_timeout` = a third: a session left in a transaction by a dead
 *   stage (frozen or killed between two statements) is ended by the server, which releases its
 *   locks; the longest gap inside a load's transaction is one Parquet download;
 * - `application_name` = `deliverance-<stage>`, so `pg_stat_activity` says whose session it is.
 *
 * @example
 * createPool({ ...connection, ...sessionBounds('load', context.getRemainingTimeInMillis()) }, 2);
 * // a 2-minute function: statements 108 s, lock waits 40 s, idle transactions 40 s
 */
export function sessionBounds(stage: DatabaseStage, budgetMs: number): SessionSettings {
  // pg sends no setting for 0, which PostgreSQL would read as "no bound" anyway.
  const part = (fraction: number) => Math.max(1, Math.floor(budgetMs * fraction));
  return {
    application_name: `deliverance-${stage}`,
    statement_timeout: part(0.9),
    lock_timeout: part(1 / 3),
    idle_in_transaction_session_timeout: part(1 / 3),
  };
}
