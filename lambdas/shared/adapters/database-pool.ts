import { Pool, type PoolConfig } from 'pg';

/**
 * A small pool with explicit timeouts: a Lambda holds few connections, and an unreachable
 * database must fail the invocation quickly (so it retries) rather than hang to the timeout.
 */
export function createPool(config: PoolConfig, max = 5): Pool {
  return new Pool({
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'deliverance',
    ...config,
  });
}
