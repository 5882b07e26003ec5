import type { ClientBase } from 'pg';
import { PG, pgCode } from '../shared/adapters/postgres-codes';
import { PipelineError } from '../shared/core/pipeline-error';

/** A warehouse-wide advisory lock the loads take for the length of one transaction. */
export interface AdvisoryLock {
  /** The 64-bit key, as decimal text (pg has no bigint parameter type). */
  readonly key: string;
  /** How errors and docs call it. */
  readonly name: string;
  /** What a load that could not take it leaves behind, and what happens next. */
  readonly outcome: string;
}

/** Serialises loads: two batches delivered at once must not interleave their upserts. */
export const LOAD_LOCK: AdvisoryLock = {
  key: String(0x44_4c_56_4c), // 'DLVL'
  name: 'the warehouse load lock',
  outcome: 'nothing of the batch was written, and a retry loads it once that load ends',
};

/**
 * Serialises migrations of load Lambdas starting together. Arbitrary, but shared by every load:
 * advisory locks are database-wide, so it only has to differ from the keys other applications
 * on the warehouse might use; a random 63-bit value does.
 */
export const MIGRATION_LOCK: AdvisoryLock = {
  key: '7234093461890462065',
  name: 'the warehouse migration lock',
  outcome: 'no migration was applied, and a retry migrates once that load ends',
};

export class LockWaitError extends PipelineError {
  readonly kind = 'transient';

  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'LockWaitError';
  }
}

/**
 * Takes `lock` until the client's transaction ends, waiting at most the session's
 * `lock_timeout` (see sessionBounds): behind a session that never lets go, the load fails in
 * time and says why, instead of dying at its function's timeout.
 *
 * @throws {LockWaitError} naming the lock, how long it waited and what to do
 */
export async function lockForTransaction(client: ClientBase, lock: AdvisoryLock): Promise<void> {
  const started = Date.now();
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lock.key]);
  } catch (error) {
    if (pgCode(error) !== PG.lockNotAvailable) throw error;
    const waited = ((Date.now() - started) / 1000).toFixed(1);
    throw new LockWaitError(
      `Another load holds ${lock.name}: gave up after ${waited} s (the session's lock_timeout); ${lock.outcome}. If no load is running, a stuck session holds it: see "The load locks" in docs/operations.md`,
      { cause: error },
    );
  }
}
