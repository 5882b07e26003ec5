import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { DatabaseEndpoint, DatabaseRole } from '../../../contract/stage-access';
import {
  connectionFromSecret,
  connectionFromSecretsManager,
  DatabaseSecretError,
} from '../../../lambdas/shared/adapters/database-credentials';

const secretsManager = mockClient(SecretsManagerClient);
const PASSWORD = 'hunter2-Sup3rSecret';

beforeEach(() => secretsManager.reset());

/** Each test its own secret id: Powertools caches a secret for five minutes. */
async function failureOf(secretId: string, secretString: string): Promise<Error> {
  secretsManager.on(GetSecretValueCommand, { SecretId: secretId }).resolves({
    SecretString: secretString,
  });
  const error = (await connectionFromSecretsManager(secretId, { role: 'warehouse' }).catch(
    (e: unknown) => e,
  )) as Error;
  expect(everythingIn(error)).not.toContain(PASSWORD);
  expect(error).toBeInstanceOf(DatabaseSecretError);
  return error;
}

/** Everything an error carries to a log line, a run record or the status page. */
function everythingIn(error: Error): string {
  return JSON.stringify({
    message: error.message,
    stack: error.stack,
    cause: String(error.cause),
  });
}

describe('database secret', () => {
  it('names the secret and never quotes a secret that is not JSON (a bare password)', async () => {
    const error = await failureOf('deliverance/not-json', PASSWORD);
    expect(error.message).toMatch(
      /^Secret deliverance\/not-json is not JSON: store one JSON object/,
    );
    expect(error.cause).toBeUndefined();
  });

  it('names the secret and the missing fields, and nothing of its text', async () => {
    const secret = JSON.stringify({ host: 'db.example', port: 5432, pw: PASSWORD });
    const error = await failureOf('deliverance/missing', secret);
    expect(error.message).toMatch(/^Secret deliverance\/missing lacks username, password: /);
    expect(everythingIn(error)).not.toContain('db.example');
  });

  it('refuses JSON that is not an object, naming the secret', async () => {
    const error = await failureOf('deliverance/string', JSON.stringify(PASSWORD));
    expect(error.message).toMatch(/^Secret deliverance\/string is not a JSON object: /);
  });

  it('reads complete credentials, and leaves TLS to the RDS certificate authorities (rdsTls)', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: 'deliverance/good' }).resolves({
      SecretString: JSON.stringify({
        host: 'db.example',
        port: '6543',
        username: 'loader',
        password: PASSWORD,
        dbname: 'warehouse',
      }),
    });
    expect(await connectionFromSecretsManager('deliverance/good', { role: 'warehouse' })).toEqual({
      host: 'db.example',
      port: 6543,
      user: 'loader',
      password: PASSWORD,
      database: 'warehouse',
    });
  });
});

/** An RDS-managed secret: Secrets Manager keeps only these two fields for the master user. */
const RDS_MANAGED = { username: 'postgres', password: PASSWORD };

function failureFrom(role: DatabaseRole, secret: object, endpoint: DatabaseEndpoint = {}): Error {
  try {
    connectionFromSecret('rds!db-1234', secret as { password: string }, { role, endpoint });
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseSecretError);
    expect(everythingIn(error as Error)).not.toContain(PASSWORD);
    return error as Error;
  }
  throw new Error('the secret was accepted');
}

describe('an RDS-managed secret, with the endpoint from the stack', () => {
  it('connects with the host, port and database the stack sets', () => {
    const endpoint = { host: 'totesys.abc.rds.example', port: 6543, database: 'oltp' };
    expect(connectionFromSecret('rds!db-1234', RDS_MANAGED, { role: 'source', endpoint })).toEqual({
      host: 'totesys.abc.rds.example',
      port: 6543,
      user: 'postgres',
      password: PASSWORD,
      database: 'oltp',
    });
  });

  it('defaults the port to 5432 and the database to totesys (source) or postgres (warehouse)', () => {
    const endpoint = { host: 'db.example' };
    expect(
      connectionFromSecret('rds!db-1234', RDS_MANAGED, { role: 'source', endpoint }),
    ).toMatchObject({ port: 5432, database: 'totesys' });
    expect(
      connectionFromSecret('rds!db-1234', RDS_MANAGED, { role: 'warehouse', endpoint }),
    ).toMatchObject({ port: 5432, database: 'postgres' });
  });

  it("takes the stack's endpoint over the secret's, and the secret's over the defaults", () => {
    const secret = { ...RDS_MANAGED, host: 'old.example', port: 5433, dbname: 'from_secret' };
    const target = { role: 'source' as const, endpoint: { host: 'new.example', port: 6543 } };
    expect(connectionFromSecret('s', secret, target)).toMatchObject({
      host: 'new.example',
      port: 6543,
      database: 'from_secret',
    });
    expect(connectionFromSecret('s', secret, { role: 'source' })).toMatchObject({
      host: 'old.example',
      port: 5433,
      database: 'from_secret',
    });
  });

  it('names the missing host and the settings that give it, never the password', () => {
    expect(failureFrom('warehouse', RDS_MANAGED).message).toBe(
      'Secret rds!db-1234 lacks host: store one JSON object with username (or user) and password, ' +
        'and host, port and dbname (or database) unless the stack sets deliverance:warehouseHost, ' +
        'deliverance:warehousePort, deliverance:warehouseDatabase',
    );
  });

  it('names a missing username and password even when the stack gives the endpoint', () => {
    expect(failureFrom('source', { host: 'db.example' }, { host: 'db.example' }).message).toMatch(
      /^Secret rds!db-1234 lacks username, password: .*deliverance:sourceHost/,
    );
  });

  it('refuses a port that is not a number, wherever it came from', () => {
    expect(failureFrom('source', RDS_MANAGED, { host: 'db', port: Number('x') }).message).toMatch(
      /has a port that is not a port number/,
    );
  });
});
