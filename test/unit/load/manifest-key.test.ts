import type { Pool } from 'pg';
import { runLoad } from '../../../lambdas/load/load';
import { silentLogger } from '../../../lambdas/shared/ports/stage-logger';
import { runTransform } from '../../../lambdas/transform/transform';
import { memoryObjectStore } from '../support/memory-object-store';

/** A store every call of which fails: the refusal must come before any of them. */
const untouched = () => {
  const store = memoryObjectStore('processed');
  for (const call of ['get', 'stream', 'exists', 'list', 'put'] as const) {
    store[call] = () => Promise.reject(new Error(`${call} was called`));
  }
  return store;
};

describe('a stage given a key that names no batch refuses it before reading anything', () => {
  it('the load, as a fatal error naming the key', async () => {
    const refusal = runLoad({
      processed: untouched(),
      warehouse: {} as Pool,
      logger: silentLogger,
      manifestKey: 'manifests/latest.json',
    });
    await expect(refusal).rejects.toThrow('manifests/latest.json is not a batch manifest key');
    await expect(refusal).rejects.toMatchObject({ kind: 'fatal' });
  });

  it('the transform, naming the key', async () => {
    await expect(
      runTransform({
        landing: untouched(),
        processed: untouched(),
        logger: silentLogger,
        manifestKey: 'manifests/latest.json',
        workDir: '/nonexistent',
      }),
    ).rejects.toThrow('manifests/latest.json is not a batch manifest key');
  });
});
