import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MissingObjectError, type ObjectStore } from '../lambdas/shared/ports/object-store';

/**
 * A bucket as a plain folder, one file per key: what the transform benchmark reads its landed
 * objects from and writes its Parquet to, so the CPU it measures is the stage's alone, with no
 * S3 server sharing the process or the core.
 */
export function directoryObjectStore(bucket: string, root: string): ObjectStore {
  const path = (key: string) => join(root, ...key.split('/'));
  const missing = (key: string) => (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new MissingObjectError(bucket, key);
    throw error;
  };
  const keysUnder = async (folder: string): Promise<string[]> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    const keys: string[] = [];
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) keys.push(...(await keysUnder(full)));
      else keys.push(relative(root, full).split(sep).join('/'));
    }
    return keys;
  };
  return {
    bucket,
    async put(key, body) {
      await mkdir(dirname(path(key)), { recursive: true });
      await writeFile(path(key), body);
    },
    async upload(key, body: Readable) {
      await mkdir(dirname(path(key)), { recursive: true });
      await pipeline(body, createWriteStream(path(key)));
    },
    get: (key) => readFile(path(key)).catch(missing(key)),
    getIfExists: (key) => readFile(path(key)).catch(() => undefined),
    async stream(key) {
      await stat(path(key)).catch(missing(key));
      return createReadStream(path(key));
    },
    exists: (key) =>
      stat(path(key)).then(
        () => true,
        () => false,
      ),
    list: async (prefix, startAfter) =>
      (await keysUnder(root))
        .filter((key) => key.startsWith(prefix) && key > (startAfter ?? ''))
        .sort(),
    delete: (key) => rm(path(key), { force: true }),
  };
}
