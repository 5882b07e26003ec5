import { Readable } from 'node:stream';
import { MissingObjectError, type ObjectStore } from '../../../lambdas/shared/ports/object-store';

/** A bucket in memory, for the unit tests on fakes: every call of the object store port; `objects` is there to look into. */
export function memoryObjectStore(
  bucket: string,
  objects: Map<string, Buffer> = new Map(),
): ObjectStore & { objects: Map<string, Buffer> } {
  const get = (key: string) => {
    const body = objects.get(key);
    return body ? Promise.resolve(body) : Promise.reject(new MissingObjectError(bucket, key));
  };
  return {
    bucket,
    objects,
    put(key, body) {
      objects.set(key, Buffer.from(body));
      return Promise.resolve();
    },
    async upload(key, body) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      objects.set(key, Buffer.concat(chunks));
    },
    get,
    getIfExists: (key) => Promise.resolve(objects.get(key)),
    stream: async (key) => Readable.from([await get(key)]),
    exists: (key) => Promise.resolve(objects.has(key)),
    list: (prefix, startAfter) =>
      Promise.resolve(
        [...objects.keys()].filter((k) => k.startsWith(prefix) && k > (startAfter ?? '')).sort(),
      ),
    delete(key) {
      objects.delete(key);
      return Promise.resolve();
    },
  };
}
