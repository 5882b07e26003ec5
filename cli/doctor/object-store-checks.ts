import { RUNS_PREFIX } from '../../contract/key-layout';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';
import { fail, ok, type DoctorCheck } from './doctor-check';

/**
 * The bucket answers a read under the run log: GetObject of a key no stage writes tells a
 * missing bucket (NoSuchBucket) or a refused read from a merely missing key.
 */
export function bucketCheck(name: string, store: ObjectStore, fix: string): DoctorCheck {
  return {
    name: `${name} bucket`,
    async run() {
      try {
        await store.getIfExists(`${RUNS_PREFIX}doctor-probe`);
      } catch (error) {
        return fail(((error as Error).message ?? String(error)).split('\n')[0] ?? '', fix);
      }
      return ok(`${store.bucket} readable`);
    },
  };
}
