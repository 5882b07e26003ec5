import { MANIFEST_PREFIX, MANIFEST_SUFFIX } from '../../../contract/key-layout';

// The layout lives in the contract, which the stack's grants read too; re-exported for the stages.
export {
  landingKey,
  manifestKey,
  MANIFEST_PREFIX,
  processedDeletesKey,
  processedKey,
  QUARANTINE_PREFIX,
  quarantinedRowsKey,
  quarantinedTombstonesKey,
} from '../../../contract/key-layout';

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

const BATCH_ID_TEXT = '\\d{8}T\\d{9}Z-[0-9a-f]{6}';
const BATCH_ID = new RegExp(`^${BATCH_ID_TEXT}$`);
const BATCH_ID_IN_KEY = new RegExp(`(?:^|/)(${BATCH_ID_TEXT})(?:\\.|$)`);

export function isBatchId(value: string): boolean {
  return BATCH_ID.test(value);
}

/** When the batch was cut: `newBatchId`'s stamp read back. */
export function batchTime(batchId: string): Date {
  return new Date(
    batchId.replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z.*$/,
      '$1-$2-$3T$4:$5:$6.$7Z',
    ),
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The day stamps batch ids begin with (`20261123`), from the day of `from` back `days` days,
 * newest first: the prefixes that list one day of batches each.
 */
export function daysBack(from: Date, days: number): string[] {
  return Array.from({ length: days + 1 }, (_, day) =>
    new Date(from.getTime() - day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, ''),
  );
}

/**
 * The batch id a key of any layout names, e.g. `quarantine/fact_payment/<batchId>.parquet` or
 * `quarantine/manifests/<batchId>.json.reason.json`; undefined when it names none.
 */
export function batchIdInKey(key: string): string | undefined {
  return BATCH_ID_IN_KEY.exec(key)?.[1];
}

/** The batch id a landing table key names (`landingKey` read back), or undefined. */
export function batchIdOfLandingKey(key: string): string | undefined {
  const match = /^[^/]+\/([^/.]+)(?:\.[1-9]\d*)?\.jsonl$/.exec(key);
  return match?.[1] && isBatchId(match[1]) ? match[1] : undefined;
}

/** The batch id a landing deletes object names (`deletesKey` read back), or undefined. */
export function batchIdOfDeletesKey(key: string): string | undefined {
  const match = /^[^/]+\/([^/.]+)\.deletes\.jsonl$/.exec(key);
  return match?.[1] && isBatchId(match[1]) ? match[1] : undefined;
}

/** Whether `key` is one of the landing objects `landingKey` names for this table and batch. */
export function isLandingKeyOf(key: string, table: string, batchId: string): boolean {
  return key.startsWith(`${table}/`) && batchIdOfLandingKey(key) === batchId;
}

/**
 * The batch id named by a manifest key, or undefined for any other key. The key is taken as
 * written: an S3 event's URL-encoding is undone once, by `objectKeysOf`, and decoding it here
 * again would read `%63` in a key as `c`.
 */
export function batchIdFromManifestKey(key: string): string | undefined {
  if (!key.startsWith(MANIFEST_PREFIX) || !key.endsWith(MANIFEST_SUFFIX)) return undefined;
  const batchId = key.slice(MANIFEST_PREFIX.length, -MANIFEST_SUFFIX.length);
  return isBatchId(batchId) ? batchId : undefined;
}
