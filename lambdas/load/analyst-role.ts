/**
 * Gives the read-only analyst role (created by sql/warehouse/0004_analyst_role.sql) LOGIN and the
 * password of its own secret, so QuickSight and analysts connect with credentials that can only
 * read the analytics views. The deploy's warehouse preparation does it before QuickSight connects,
 * and the load function keeps it current, both connecting as the warehouse user that created the
 * role.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ClientBase, PoolClient } from 'pg';
import { ANALYST_ROLE } from '../../contract/analyst-views';
import { readSecret as readSecretsManager } from '../shared/adapters/secrets-manager';
import { PipelineError } from '../shared/core/pipeline-error';

/** A secret that cannot be the analyst's credentials; names the secret, never its text. */
export class AnalystSecretError extends PipelineError {
  readonly kind = 'fatal';

  constructor(secretId: string, problem: string) {
    super(
      `Analyst secret ${secretId} ${problem}: store one JSON object with "username": "${ANALYST_ROLE}" and a "password"`,
    );
    this.name = 'AnalystSecretError';
  }
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 7677, as PostgreSQL's own
 * clients compute it). Sent instead of the password, so the password never reaches the server,
 * its statement log or pg_stat_statements.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, SCRAM_ITERATIONS, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest('base64');
  const serverKey = hmac(salted, 'Server Key').toString('base64');
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey}:${serverKey}`;
}

/**
 * Lets the analyst role log in with `password`. The statement cannot take parameters, so the
 * verifier goes in as a literal quoted by the driver.
 */
export async function setAnalystPassword(client: ClientBase, password: string): Promise<void> {
  await client.query(
    `ALTER ROLE ${client.escapeIdentifier(ANALYST_ROLE)} WITH LOGIN PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`,
  );
}

/**
 * The password in the analyst secret's text.
 *
 * @throws {AnalystSecretError} when the text is not JSON, names another user or has no password
 */
export function analystPassword(secretId: string, text: string | undefined): string {
  let secret: unknown;
  try {
    secret = JSON.parse(text ?? '');
  } catch {
    // JSON.parse's message quotes the text, the password among it.
    throw new AnalystSecretError(secretId, 'is not JSON');
  }
  const { username, password } = (secret ?? {}) as { username?: unknown; password?: unknown };
  if (username !== ANALYST_ROLE) throw new AnalystSecretError(secretId, 'names another user');
  if (typeof password !== 'string' || password === '') {
    throw new AnalystSecretError(secretId, 'has no password');
  }
  return password;
}

/**
 * Keeps the role's password equal to the secret's: sets it on the first call and again whenever
 * the secret's value changed (a new value put by hand; Powertools re-reads it after five
 * minutes), so a warm function does not rewrite the role on every batch.
 *
 * @returns a function that returns true when it (re)set the password
 * @example
 * const syncAnalystPassword = analystPasswordSync('deliverance/analyst');
 * await syncAnalystPassword(pool);
 */
export function analystPasswordSync(
  secretId: string,
  readSecret: (id: string) => Promise<string | undefined> = async (id) =>
    (await readSecretsManager(id)) as string | undefined,
): (warehouse: { connect(): Promise<PoolClient> }) => Promise<boolean> {
  let applied: string | undefined;
  return async (warehouse) => {
    const password = analystPassword(secretId, await readSecret(secretId));
    // A digest, so the comparison keeps no second copy of the password.
    const digest = createHash('sha256').update(password).digest('hex');
    if (digest === applied) return false;
    const client = await warehouse.connect();
    try {
      await setAnalystPassword(client, password);
    } finally {
      client.release();
    }
    applied = digest;
    return true;
  };
}
