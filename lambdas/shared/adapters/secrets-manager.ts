import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { failFastClient } from './fail-fast-client';

let provider: SecretsProvider | undefined;

/**
 * Reads a secret's raw text (or bytes) through one Powertools provider per process, so the value
 * is cached for `maxAgeSeconds` across invocations as `getSecret` would, but on a client that
 * gives up on a silent network within seconds (`failFastClient`).
 *
 * `fresh` skips the cache, for a value that must be the secret's now (a deploy may follow a new one).
 *
 * @example
 * const text = await readSecret('deliverance/warehouse');
 */
export async function readSecret(
  secretId: string,
  { maxAgeSeconds = 300, fresh = false }: { maxAgeSeconds?: number; fresh?: boolean } = {},
): Promise<string | Uint8Array | undefined> {
  provider ??= new SecretsProvider({
    awsSdkV3Client: failFastClient(
      'Secrets Manager',
      (timeouts) => new SecretsManagerClient({ ...timeouts }),
    ),
  });
  return provider.get(secretId, { maxAge: maxAgeSeconds, forceFetch: fresh });
}
