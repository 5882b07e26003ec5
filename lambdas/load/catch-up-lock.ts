import type { Pool } from 'pg';

/** Held by the one load that drains the backlog; distinct from the per-batch load lock. */
const CATCH_UP_LOCK_KEY = 0x44_4c_56_43; // 'DLVC'

/**
 * Runs `drain` while holding the warehouse's catch-up lock, or answers false at once when another
 * load holds it. Two loads draining one backlog would be safe (each batch loads once under the
 * load lock) but would each read every batch and overwrite each other's run records with
 * "already loaded"; this way the second one leaves the backlog to the first and loads its own
 * batch. The lock is a session lock: a load that dies with it held releases it with its
 * connection.
 *
 * @example
 * await catchUp({ ...options, alone: (drain) => aloneInWarehouse(pool, drain) });
 */
export async function aloneInWarehouse(
  warehouse: Pool,
  drain: () => Promise<void>,
): Promise<boolean> {
  const client = await warehouse.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked',
      [CATCH_UP_LOCK_KEY],
    );
    if (!rows[0]?.locked) return false;
    try {
      await drain();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [CATCH_UP_LOCK_KEY]);
    }
    return true;
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A connection that failed is closed, not pooled: closing it also releases the lock.
    client.release(broken);
  }
}
