/**
 * The PostgreSQL SQLSTATE codes Deliverance acts on, by name
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
export const PG = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  lockNotAvailable: '55P03',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidCatalogName: '3D000',
  /** Also how the server answers a COPY FROM STDIN the client aborted. */
  queryCanceled: '57014',
  /** The session was ended: `pg_terminate_backend`, a fast shutdown, a failover. */
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  idleInTransactionTimeout: '25P03',
  idleSessionTimeout: '57P05',
} as const;

/** The SQLSTATE of an error pg raised, if it is one. */
export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
