import type { Pool } from 'pg';
import { connectionDropped } from '../shared/adapters/database-pool';
import { PipelineError } from '../shared/core/pipeline-error';

/** Held by the one load that drains the backlog; distinct from the per-batch load lock. */
const CATCH_UP_LOCK_KEY = 0x44_4c_56_43; // 'DLVC'

/**
 * The catch-up lock was lost with its connection: another load may hold it now.
 */
export class CatchUpLockLostError extends PipelineError {
  readonly kind = 'transient';

  constructor(cause: Error) {
    super(
      `The connection holding the warehouse catch-up lock dropped (${cause.message}): the server released the lock with it, so this load stopped catching up and leaves the backlog to the next run`,
      { cause },
    );
    this.name = 'CatchUpLockLostError';
  }
}

/**
 * Runs `drain` while holding the warehouse's catch-up lock, or answers false at once when another
 * load holds it. Two loads draining one backlog would be safe (each batch loads once under the
 * load lock) but would each read every batch and overwrite each other's run records with
 * "already loaded"; this way the second one leaves the backlog to the first and loads its own
 * batch. The lock is a session lock: a load that dies with it held, or whose connection is
 * dropped (a failover, `pg_terminate_backend`), releases it with its session. The drain's
 * `stillAlone` then throws {@link CatchUpLockLostError} before the next batch: the holder does
 * not go on believing it holds the lock.
 *
 * @example
 * await catchUp({ ...options, alone: (drain) => aloneInWarehouse(pool, drain) });
 */
export async function aloneInWarehouse(
  warehouse: Pool,
  drain: (stillAlone: () => void) => Promise<void>,
): Promise<boolean> {
  const client = await warehouse.connect();
  let broken: Error | undefined;
  const lost = () => {
    const cause = connectionDropped(client);
    return cause && new CatchUpLockLostError(cause);
  };
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [CATCH_UP_LOCK_KEY],
    );
    if (!rows[0]?.locked) return false;
    try {
      await drain(() => {
        const error = lost();
        if (error) throw error;
      });
    } finally {
      // A dropped connection took the lock with it: there is nothing to unlock, and no way to.
      if (!lost()) await client.query('SELECT pg_advisory_unlock($1::bigint)', [CATCH_UP_LOCK_KEY]);
    }
    const error = lost();
    if (error) throw error;
    return true;
  } catch (error) {
    broken = lost() ?? (error as Error);
    throw broken;
  } finally {
    // A connection that failed is closed, not pooled: closing it also releases the lock.
    client.release(broken);
  }
}
