import { Pool, type PoolConfig } from 'pg';

/**
 * A small pool with explicit timeouts: a Lambda holds few connections, and an unreachable
 * database must fail the invocation quickly (so it retries) rather than hang to the timeout.
 */
export function createPool(config: PoolConfig, max = 5): Pool {
  const pool = new Pool({
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'deliverance',
    ...config,
  });
  // An idle connection dropped by the server (a restart, a failover) fails no query: the pool
  // discards it and the next query opens a new one. Unheard, the event would crash the process.
  pool.on('error', () => undefined);
  return pool;
}
