import type { ClientConfig } from 'pg';
import {
  DATABASE_ENDPOINT_SETTING,
  DEFAULT_DATABASE_NAME,
  type DatabaseEndpoint,
  type DatabaseRole,
} from '../../../contract/stage-access';
import { PipelineError } from '../core/pipeline-error';
import { readSecret } from './secrets-manager';

/** The JSON shape of a database secret in Secrets Manager; an RDS-managed one has only the credentials. */
export interface DatabaseSecret {
  host?: string;
  port?: number | string;
  username?: string;
  user?: string;
  password: string;
  dbname?: string;
  database?: string;
}

/** Which database a secret is for, and what the stack's context says about where it is. */
export interface DatabaseTarget {
  readonly role: DatabaseRole;
  /** @default - nothing set: the secret's fields, then the defaults */
  readonly endpoint?: DatabaseEndpoint;
}

/** What a secret must hold, and where else the endpoint may come from, for `role`. */
function shape(role: DatabaseRole): string {
  const setting = DATABASE_ENDPOINT_SETTING[role];
  return (
    'store one JSON object with username (or user) and password, and host, port and dbname (or ' +
    `database) unless the stack sets deliverance:${setting.host}, deliverance:${setting.port}, ` +
    `deliverance:${setting.database}`
  );
}

/**
 * A secret that cannot be database credentials. The message names the secret and what is wrong
 * with it, never any of its text (not even in `cause`): it reaches the logs, the run record and
 * the status page.
 */
export class DatabaseSecretError extends PipelineError {
  readonly kind = 'fatal';

  constructor(message: string) {
    super(message);
    this.name = 'DatabaseSecretError';
  }
}

/**
 * Turns a secret into pg settings: the endpoint the stack's context sets wins over the secret's
 * fields, and the port and database name fall back to 5432 and the role's default database.
 * TLS is the caller's to add (`rdsTls`), not the secret's.
 *
 * @throws {DatabaseSecretError} naming `secretId` and the missing fields, never their values
 * @example
 * // An RDS-managed secret, {"username": "…", "password": "…"}, with the host from the context:
 * connectionFromSecret(arn, secret, { role: 'source', endpoint: { host: 'totesys.abc.rds.amazonaws.com' } });
 */
export function connectionFromSecret(
  secretId: string,
  secret: DatabaseSecret,
  target: DatabaseTarget,
): ClientConfig {
  const { role, endpoint = {} } = target;
  const host = endpoint.host ?? secret.host;
  const user = secret.username ?? secret.user;
  const database =
    endpoint.database ?? secret.dbname ?? secret.database ?? DEFAULT_DATABASE_NAME[role];
  const port = Number(endpoint.port ?? secret.port ?? 5432);
  const fields: Record<string, unknown> = {
    host,
    username: user,
    password: secret.password,
    dbname: database,
  };
  const missing = Object.keys(fields).filter(
    (field) => typeof fields[field] !== 'string' || fields[field] === '',
  );
  const problems = missing.length > 0 ? [`lacks ${missing.join(', ')}`] : [];
  if (!Number.isInteger(port) || port <= 0) problems.push('has a port that is not a port number');
  if (problems.length > 0) {
    throw new DatabaseSecretError(`Secret ${secretId} ${problems.join(' and ')}: ${shape(role)}`);
  }
  return {
    host,
    port,
    user,
    password: secret.password,
    database,
  };
}

/**
 * Parses a secret's text as database credentials.
 *
 * @throws {DatabaseSecretError} when the text is empty, not a JSON object, or lacks a field
 */
export function connectionFromSecretText(
  secretId: string,
  text: string | Uint8Array | undefined,
  target: DatabaseTarget,
): ClientConfig {
  const expected = shape(target.role);
  const json = typeof text === 'string' ? text : text && Buffer.from(text).toString('utf8');
  if (!json) throw new DatabaseSecretError(`Secret ${secretId} is empty: ${expected}`);
  let secret: unknown;
  try {
    secret = JSON.parse(json);
  } catch {
    // JSON.parse's message quotes the text it could not parse, so neither it nor the error go on.
    throw new DatabaseSecretError(`Secret ${secretId} is not JSON: ${expected}`);
  }
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new DatabaseSecretError(`Secret ${secretId} is not a JSON object: ${expected}`);
  }
  return connectionFromSecret(secretId, secret as DatabaseSecret, target);
}

/**
 * Reads a database secret (cached by Powertools for five minutes across invocations).
 *
 * @example
 * const pool = createPool(
 *   await connectionFromSecretsManager('deliverance/warehouse', { role: 'warehouse' }),
 *   2,
 * );
 * @throws {DatabaseSecretError} when the secret is not database credentials
 */
export async function connectionFromSecretsManager(
  secretId: string,
  target: DatabaseTarget,
): Promise<ClientConfig> {
  // The raw text, not Powertools' 'json' transform: its parse error quotes the secret.
  const text = await readSecret(secretId);
  return connectionFromSecretText(secretId, text, target);
}
