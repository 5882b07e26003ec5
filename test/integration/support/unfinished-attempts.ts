import { SOURCE_TABLES } from '../../../contract/pipeline-tables';
import type { ObjectStore } from '../../../lambdas/shared/ports/object-store';

/** `<table>/<batchId>[.<part>].jsonl`, read here by its own pattern, not the code under test. */
const TABLE_OBJECT = /^[a-z_]+\/(\d{8}T\d{9}Z-[0-9a-f]{6})(?:\.\d+)?\.jsonl$/;

/**
 * Landing table objects of batches that have no manifest: what an unfinished ingest attempt
 * leaves behind. Each listing stays under 1,000 keys in these tests, so none is paged.
 */
export async function objectsWithoutManifest(landing: ObjectStore): Promise<string[]> {
  const manifests = new Set(
    (await landing.list('manifests/')).map((key) =>
      key.slice('manifests/'.length, -'.json'.length),
    ),
  );
  const keys = (await Promise.all(SOURCE_TABLES.map((table) => landing.list(`${table}/`)))).flat();
  return keys.filter((key) => {
    const batchId = TABLE_OBJECT.exec(key)?.[1];
    return batchId === undefined || !manifests.has(batchId);
  });
}
