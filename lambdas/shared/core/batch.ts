/**
 * Batch ids order batches by the time they were cut: `20261123T043451123Z-3f9a1c`. The
 * random suffix keeps two runs in the same millisecond apart.
 */
export function newBatchId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  const suffix = Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${suffix}`;
}

const BATCH_ID = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

export function isBatchId(value: string): boolean {
  return BATCH_ID.test(value);
}

export function landingKey(table: string, batchId: string, part = 0): string {
  return part === 0 ? `${table}/${batchId}.jsonl` : `${table}/${batchId}.${part}.jsonl`;
}

/** Whether `key` is one of the landing objects `landingKey` names for this table and batch. */
export function isLandingKeyOf(key: string, table: string, batchId: string): boolean {
  const prefix = `${table}/${batchId}`;
  if (!key.startsWith(prefix) || !key.endsWith('.jsonl')) return false;
  const part = key.slice(prefix.length, -'.jsonl'.length);
  return part === '' || /^\.[1-9]\d*$/.test(part);
}

export function processedKey(table: string, batchId: string): string {
  return `${table}/${batchId}.parquet`;
}

export const MANIFEST_PREFIX = 'manifests/';
export const QUARANTINE_PREFIX = 'quarantine/';

export function manifestKey(batchId: string): string {
  return `${MANIFEST_PREFIX}${batchId}.json`;
}

/**
 * The batch id named by a manifest key, or undefined for any other key. The key is taken as
 * written: an S3 event's URL-encoding is undone once, by `objectKeysOf`, and decoding it here
 * again would read `%63` in a key as `c`.
 */
export function batchIdFromManifestKey(key: string): string | undefined {
  const match = /^manifests\/(.+)\.json$/.exec(key);
  return match?.[1] && isBatchId(match[1]) ? match[1] : undefined;
}
