import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { ClientConfig } from 'pg';

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

/**
 * Turns a secret into pg settings. TLS is required and verified: the Lambda functions set
 * NODE_EXTRA_CA_CERTS to the runtime's bundle, which holds the RDS certificate authorities.
 */
export function connectionFromSecret(secret: DatabaseSecret): ClientConfig {
  const user = secret.username ?? secret.user;
  const database = secret.dbname ?? secret.database;
  if (!secret.host || !user || !secret.password || !database) {
    throw new Error(
      'The database secret must be JSON with host, port, username (or user), password and dbname',
    );
  }
  return {
    host: secret.host,
    port: Number(secret.port ?? 5432),
    user,
    password: secret.password,
    database,
    ssl: { rejectUnauthorized: true },
  };
}

/** Reads a database secret (cached by Powertools for five minutes across invocations). */
export async function connectionFromSecretsManager(secretId: string): Promise<ClientConfig> {
  const secret = await getSecret<DatabaseSecret>(secretId, { transform: 'json', maxAge: 300 });
  if (!secret) throw new Error(`Secret ${secretId} is empty: expected database credentials JSON`);
  return connectionFromSecret(secret);
}
