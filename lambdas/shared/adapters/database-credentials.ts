import type { ClientConfig } from 'pg';
import { PipelineError } from '../core/pipeline-error';
import { readSecret } from './secrets-manager';

/** The JSON shape of a database secret in Secrets Manager. */
export interface DatabaseSecret {
  host: string;
  port?: number | string;
  username?: string;
  user?: string;
  password: string;
  dbname?: string;
  database?: string;
}

const SHAPE =
  'store one JSON object with host, port, username (or user), password and dbname (or database)';

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
 * Turns a secret into pg settings; TLS is the caller's to add (`rdsTls`), not the secret's.
 *
 * @throws {DatabaseSecretError} naming `secretId` and the missing fields, never their values
 */
export function connectionFromSecret(secretId: string, secret: DatabaseSecret): ClientConfig {
  const user = secret.username ?? secret.user;
  const database = secret.dbname ?? secret.database;
  const port = Number(secret.port ?? 5432);
  const fields: Record<string, unknown> = {
    host: secret.host,
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
    throw new DatabaseSecretError(`Secret ${secretId} ${problems.join(' and ')}: ${SHAPE}`);
  }
  return {
    host: secret.host,
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
): ClientConfig {
  const json = typeof text === 'string' ? text : text && Buffer.from(text).toString('utf8');
  if (!json) throw new DatabaseSecretError(`Secret ${secretId} is empty: ${SHAPE}`);
  let secret: unknown;
  try {
    secret = JSON.parse(json);
  } catch {
    // JSON.parse's message quotes the text it could not parse, so neither it nor the error go on.
    throw new DatabaseSecretError(`Secret ${secretId} is not JSON: ${SHAPE}`);
  }
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new DatabaseSecretError(`Secret ${secretId} is not a JSON object: ${SHAPE}`);
  }
  return connectionFromSecret(secretId, secret as DatabaseSecret);
}

/**
 * Reads a database secret (cached by Powertools for five minutes across invocations).
 *
 * @example
 * const pool = createPool(await connectionFromSecretsManager('deliverance/warehouse'), 2);
 * @throws {DatabaseSecretError} when the secret is not database credentials
 */
export async function connectionFromSecretsManager(secretId: string): Promise<ClientConfig> {
  // The raw text, not Powertools' 'json' transform: its parse error quotes the secret.
  const text = await readSecret(secretId);
  return connectionFromSecretText(secretId, text);
}
