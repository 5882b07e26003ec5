import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
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
  const error = (await connectionFromSecretsManager(secretId).catch((e: unknown) => e)) as Error;
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
    const secret = JSON.stringify({ host: 'db.example', user: 'loader', port: 5432, pw: PASSWORD });
    const error = await failureOf('deliverance/missing', secret);
    expect(error.message).toMatch(/^Secret deliverance\/missing lacks password, dbname: /);
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
    expect(await connectionFromSecretsManager('deliverance/good')).toEqual({
      host: 'db.example',
      port: 6543,
      user: 'loader',
      password: PASSWORD,
      database: 'warehouse',
    });
  });
});
