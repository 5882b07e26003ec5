import type { DatabaseRole } from '../../../contract/stage-access';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
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
/** OpenSSL's verdicts on a server certificate, as Node.js codes them, and its host name check. */
const UNVERIFIED_CERTIFICATE = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/**
 * The server ended the session: an administrator (`pg_terminate_backend`), a shutdown or
 * failover, an idle or transaction timeout. Nothing uncommitted survives; a retry can succeed.
 */
const DROPPED = new Set<string>([
  PG.adminShutdown,
  PG.crashShutdown,
  PG.idleInTransactionTimeout,
  PG.idleSessionTimeout,
]);
const DROPPED_TEXT = /Connection terminated unexpectedly|not queryable|ECONNRESET|EPIPE/i;
const REFUSED: Record<string, string> = {
  [PG.invalidPassword]: 'wrong user name or password',
  [PG.invalidAuthorization]: 'the user may not connect',
  [PG.invalidCatalogName]: 'no such database',
};

/**
 * Unreachable is transient (a failover, a network blip); refused or an unverifiable certificate
 * is fatal (the settings).
 */
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
 * `in-session`: the error of a statement on a connection that was open, so a connection ended
 * under it was dropped (a failover, `pg_terminate_backend`, an idle timeout), not unreachable.
 * Any other error is answered unchanged.
 */
export function explainConnectionError(
  error: unknown,
  config: PoolConfig,
  role: DatabaseRole,
  phase: 'connecting' | 'in-session' = 'connecting',
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
  if (DROPPED.has(code) || (phase === 'in-session' && DROPPED_TEXT.test(`${code} ${text}`))) {
    return new DatabaseConnectionError(
      `The ${role} database at ${where} dropped the connection (${code ? `${code}: ` : ''}${hide(text)}): a failover, a restart, an idle timeout or an administrator ended the session; nothing uncommitted was kept, and the retry runs again`,
      { cause: error },
      'transient',
    );
  }
  if (UNREACHABLE.has(code) || /timeout.*connect|Connection terminated/i.test(text)) {
    return new DatabaseConnectionError(
      `Cannot reach the ${role} database at ${where} (${code || hide(text)}): ${HINTS[role]}`,
      { cause: error },
      'transient',
    );
  }
  if (UNVERIFIED_CERTIFICATE.has(code)) {
    return new DatabaseConnectionError(
      `The ${role} database at ${where} presented a certificate that could not be verified (${code}: ${hide(text)}): the functions trust only the RDS certificate authorities of their bundle and check the host name, so the secret's host must be the database's RDS endpoint; ${HINTS[role]}`,
      { cause: error },
      'fatal',
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
 * What dropped a client's connection, kept on the client itself: a wrapper of the client that
 * inherits from it (a test's fault injector, a tracing proxy) sees it too.
 */
const DROPPED_BY = Symbol('deliverance.droppedBy');

/**
 * Gives a database client an 'error' listener. pg emits 'error' on a client whose server ended
 * the session (a failover, `pg_terminate_backend`, an idle timeout); on a client checked out of
 * its pool nobody else listens, and an unheard 'error' event crashes the process — in Lambda,
 * the runtime — instead of failing the statement, which pg rejects anyway. What dropped the
 * connection is kept for {@link connectionDropped}. createPool calls it for every client of its
 * pools; a lone `new Client` calls it itself.
 *
 * @example
 * const client = new Client({ connectionString });
 * hearConnectionDrops(client);
 * await client.connect();
 */
export function hearConnectionDrops(client: {
  on(event: 'error', listener: (error: Error) => void): unknown;
}): void {
  client.on('error', (error) => {
    const held = client as { [DROPPED_BY]?: Error };
    held[DROPPED_BY] ??= error;
  });
}

/** The error that dropped `client`'s connection, or undefined while it is open (as far as pg knows). */
export function connectionDropped(client: object): Error | undefined {
  return (client as { [DROPPED_BY]?: Error })[DROPPED_BY];
}

/**
 * Rejections of the statements run through `target` (a pool or a client), passed through
 * `explain`; streams (COPY, cursors) and callbacks are left as they are.
 */
function explainStatements(target: Pool | PoolClient, explain: (error: unknown) => unknown): void {
  const query = target.query.bind(target) as (...args: unknown[]) => unknown;
  target.query = ((...args: unknown[]) => {
    const result = query(...args) as { catch?: unknown } | undefined;
    // Not instanceof Promise: pg may come from another realm (a test runner's sandbox).
    return typeof result?.catch === 'function'
      ? (result as Promise<unknown>).catch((error: unknown) => {
          throw explain(error);
        })
      : result;
  }) as Pool['query'] & PoolClient['query'];
}

/**
 * A small pool with explicit timeouts: a Lambda holds few connections, and an unreachable
 * database must fail the invocation quickly (so it retries) rather than hang to the timeout.
 * Every client it makes hears its connection drop ({@link hearConnectionDrops}). With a role, a
 * failure to connect, and a statement failed by a dropped connection, are reported as
 * {@link explainConnectionError} words them.
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
  pool.on('connect', (client) => {
    hearConnectionDrops(client);
    if (role) {
      // What the server said when it dropped the session, not pg's "not queryable" after it.
      explainStatements(client, (error) =>
        explainConnectionError(connectionDropped(client) ?? error, config, role, 'in-session'),
      );
    }
  });
  if (role) {
    explainStatements(pool, (error) => explainConnectionError(error, config, role, 'in-session'));
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
