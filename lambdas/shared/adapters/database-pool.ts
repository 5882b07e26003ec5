import type { DatabaseRole } from '../../../contract/stage-access';
import { Pool, type PoolConfig } from 'pg';
import { PipelineError } from '../core/pipeline-error';
import { PG } from './postgres-codes';

/** Which database a pool reaches, so that a connection failure can say where to look. */

const HINTS: Record<DatabaseRole, string> = {
  source: 'check DELIVERANCE_SOURCE_URL / the source secret (SOURCE_SECRET_ID)',
  warehouse: 'check DELIVERANCE_WAREHOUSE_URL / the warehouse secret (WAREHOUSE_SECRET_ID)',
};

/** host:port/database of a pool's settings; never the user's password. */
export function describeDatabase(config: PoolConfig): string {
  let host = config.host;
  let port: string | number | undefined = config.port;
  let database = config.database;
  if (config.connectionString) {
    try {
      const url = new URL(config.connectionString);
      host ??= decodeURIComponent(url.hostname) || undefined;
      port ??= url.port || undefined;
      database ??= decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
    } catch {
      // A connection string that is not a URL: name no part of it, it may hold the password.
    }
  }
  return `${host ?? 'localhost'}:${port ?? 5432}${database ? `/${database}` : ''}`;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);
const REFUSED: Record<string, string> = {
  [PG.invalidPassword]: 'wrong user name or password',
  [PG.invalidAuthorization]: 'the user may not connect',
  [PG.invalidCatalogName]: 'no such database',
};

/** Unreachable is transient (a failover, a network blip); refused is fatal (the settings). */
export class DatabaseConnectionError extends PipelineError {
  constructor(
    message: string,
    options: { cause: unknown },
    readonly kind: 'transient' | 'fatal',
  ) {
    super(message, options);
    this.name = 'DatabaseConnectionError';
  }
}

/**
 * A connection failure as one operator's line: what, where, why, and which setting to check.
 * Any other error is answered unchanged.
 */
export function explainConnectionError(
  error: unknown,
  config: PoolConfig,
  role: DatabaseRole,
): unknown {
  // Socket errors may come from another realm (a test runner's sandbox): no instanceof Error.
  if (typeof (error as Error | undefined)?.message !== 'string') return error;
  if (error instanceof DatabaseConnectionError) return error;
  const code = (error as { code?: string }).code ?? '';
  const where = describeDatabase(config);
  const password = typeof config.password === 'string' ? config.password : undefined;
  const hide = (text: string) =>
    password && password.length > 0 ? text.split(password).join('***') : text;
  const text = (error as Error).message;
  if (UNREACHABLE.has(code) || /timeout.*connect|Connection terminated/i.test(text)) {
    return new DatabaseConnectionError(
      `Cannot reach the ${role} database at ${where} (${code || hide(text)}): ${HINTS[role]}`,
      { cause: error },
      'transient',
    );
  }
  const refused = REFUSED[code];
  if (refused) {
    return new DatabaseConnectionError(
      `The ${role} database at ${where} refused the connection (${refused}: ${hide(text)}): ${HINTS[role]}`,
      { cause: error },
      'fatal',
    );
  }
  return error;
}

type ConnectCallback = (error: Error | undefined, ...rest: unknown[]) => void;

/**
 * A small pool with explicit timeouts: a Lambda holds few connections, and an unreachable
 * database must fail the invocation quickly (so it retries) rather than hang to the timeout.
 * With a role, a failure to connect is reported as {@link explainConnectionError} words it.
 *
 * An established connection whose peer vanished (a failover, a dropped route) is found by TCP
 * keepalive probes, which a live server answers however long its statement runs. There is no
 * client-side query timeout on purpose: pg's `query_timeout` also arms on the extract's stream
 * and the load's COPY, which legitimately run minutes, and the server already ends any
 * statement at `statement_timeout` (`sessionBounds`).
 */
export function createPool(config: PoolConfig, max = 5, role?: DatabaseRole): Pool {
  const pool = new Pool({
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'deliverance',
    ...config,
  });
  // An idle connection dropped by the server (a restart, a failover) fails no query: the pool
  // discards it and the next query opens a new one. Unheard, the event would crash the process.
  pool.on('error', () => undefined);
  if (role) {
    // pool.query() connects through this method too, so both paths get the explanation.
    const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => unknown;
    const explain = (error: unknown) => explainConnectionError(error, config, role);
    pool.connect = ((callback?: ConnectCallback) =>
      callback
        ? connect((error, ...rest) => callback(error && (explain(error) as Error), ...rest))
        : (connect() as Promise<unknown>).catch((error: unknown) => {
            throw explain(error);
          })) as Pool['connect'];
  }
  return pool;
}
