import type { StageName } from './stages';

/**
 * Where things are kept in the two buckets (docs/architecture.md, "Object keys"): what the
 * stages write and read, and what the grants and the S3 notifications are scoped to.
 */

/** Each stage's manifest of a batch, written last: `manifests/<batchId>.json`. */
export const MANIFEST_PREFIX = 'manifests/';
export const MANIFEST_SUFFIX = '.json';
/** Objects a stage refused, with a `.reason.json` beside each: `quarantine/<original key>`. */
export const QUARANTINE_PREFIX = 'quarantine/';
/**
 * Rows the transform set aside, each with its reason, in the landing bucket beside the
 * quarantined objects: `quarantine/rows/<source_table>/<batchId>.jsonl`.
 */
export const QUARANTINED_ROWS_PREFIX = `${QUARANTINE_PREFIX}rows/`;
/** Transform's dimension snapshots in the processed bucket: `state/<source_table>.jsonl`. */
export const STATE_PREFIX = 'state/';
/** Run records: `runs/<batchId>/<stage>.json`, in the bucket the stage writes to. */
export const RUNS_PREFIX = 'runs/';

/** A landing object of a source table: `<table>/<batchId>.jsonl`, then `.1.jsonl`, `.2.jsonl`. */
export function landingKey(table: string, batchId: string, part = 0): string {
  return part === 0 ? `${table}/${batchId}.jsonl` : `${table}/${batchId}.${part}.jsonl`;
}

/** A processed object of a warehouse table: `<table>/<batchId>.parquet`. */
export function processedKey(table: string, batchId: string): string {
  return `${table}/${batchId}.parquet`;
}

/**
 * A batch's tombstones for a warehouse table, as the transform hands them to the load:
 * `<table>/<batchId>.deletes.jsonl`, under the table's prefix beside its Parquet file (so the
 * grants on the table prefixes cover it), one `{"key":…,"deletedAt":…}` line per key.
 */
export function processedDeletesKey(table: string, batchId: string): string {
  return `${table}/${batchId}.deletes.jsonl`;
}

/**
 * The tombstone lines of a source table a batch set aside, each with its reason, beside its
 * rows set aside: `quarantine/rows/<table>/<batchId>.deletes.jsonl`.
 */
export function quarantinedTombstonesKey(table: string, batchId: string): string {
  return `${QUARANTINED_ROWS_PREFIX}${table}/${batchId}.deletes.jsonl`;
}

/** The rows of a source table a batch set aside: `quarantine/rows/<table>/<batchId>.jsonl`. */
export function quarantinedRowsKey(table: string, batchId: string): string {
  return `${QUARANTINED_ROWS_PREFIX}${table}/${batchId}.jsonl`;
}

export function manifestKey(batchId: string): string {
  return `${MANIFEST_PREFIX}${batchId}${MANIFEST_SUFFIX}`;
}

export function runRecordKey(batchId: string, stage: StageName): string {
  return `${RUNS_PREFIX}${batchId}/${stage}.json`;
}

/**
 * One finished run of a stage for a batch, kept beside every other (`runs/<batchId>/<stage>.
 * 20261205T100356876Z.json`, by its start): a replay adds a record, never rewrites one.
 */
export function runAttemptKey(batchId: string, stage: StageName, startedAt: string): string {
  return `${runAttemptPrefix(batchId, stage)}${startedAt.replace(/[-:.]/g, '')}.json`;
}

/** The keys of every finished run of a stage for a batch begin with this. */
export function runAttemptPrefix(batchId: string, stage: StageName): string {
  return `${RUNS_PREFIX}${batchId}/${stage}.`;
}
