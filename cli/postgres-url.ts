import { UsageError } from './settings';

/** The shape a PostgreSQL URL setting must have. */
export const POSTGRES_URL_SHAPE = 'postgres://user:password@host:port/database';

/**
 * What a PostgreSQL URL lacks, in words naming no part of it (it may hold a password);
 * undefined when it names a host, a user and a database. pg would quietly fill the gaps with
 * localhost:5432, the operating-system user and a database named after it.
 */
export function postgresUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) return 'is not a postgres:// URL';
  const missing = [
    ['host', parsed.hostname],
    ['user', parsed.username],
    ['database', parsed.pathname.replace(/^\//, '')],
  ].flatMap(([field, value]) => (value ? [] : [field]));
  return missing.length > 0 ? `names no ${missing.join(', ')}` : undefined;
}

/**
 * Refuses a malformed URL setting before anything connects with it.
 *
 * @throws {UsageError} naming the setting, what it lacks and the shape it must have
 */
export function requirePostgresUrl(setting: string, url: string | undefined): void {
  const problem = url === undefined ? undefined : postgresUrlProblem(url);
  if (problem) throw new UsageError(`${setting} ${problem}: set it to ${POSTGRES_URL_SHAPE}`);
}
