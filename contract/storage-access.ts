import { MANIFEST_PREFIX, QUARANTINE_PREFIX, RUNS_PREFIX, STATE_PREFIX } from './key-layout';
import { SOURCE_TABLES, WAREHOUSE_TABLES } from './pipeline-tables';
import type { StageName } from './stages';

export type { StageName };
export type BucketRole = 'landing' | 'processed';

/**
 * What one stage does under which key prefixes of one bucket. The CDK grants are derived from
 * it (`lib/grants.ts`) and every object-store call of the stage is checked against it
 * (`lambdas/shared/scoped-object-store.ts`), so a call nobody granted fails a test, not a
 * deployment.
 */
export interface PrefixAccess {
  /** GetObject of keys known to exist (and reading them back in parts). */
  readonly read?: readonly string[];
  /** PutObject and multipart uploads of new keys. */
  readonly write?: readonly string[];
  /** ListObjectsV2 under a prefix. */
  readonly list?: readonly string[];
  /**
   * HeadObject or GetObject of keys that may be missing. S3 answers a missing key with 404 only
   * to a caller that may list the bucket, and with 403 to anyone else, so these grant
   * `s3:ListBucket` on the bucket besides `s3:GetObject`.
   */
  readonly probe?: readonly string[];
  /** DeleteObject of keys (on a versioned bucket: a delete marker, the version stays). */
  readonly delete?: readonly string[];
}

export type AccessKind = keyof PrefixAccess;

const tablePrefixes = (tables: readonly string[]) => tables.map((t) => `${t}/`);

/** Each stage's access to each bucket; a bucket it does not name, it does not touch. */
export const STORAGE_ACCESS: Readonly<
  Record<StageName, Partial<Record<BucketRole, PrefixAccess>>>
> = {
  ingest: {
    landing: {
      // The batch's table objects, its manifest, and its run record.
      write: [...tablePrefixes(SOURCE_TABLES), MANIFEST_PREFIX, RUNS_PREFIX],
      // Each run first removes the table objects of earlier attempts that never wrote their
      // manifest: the newest manifests by day, the table objects since (unfinished-attempts.ts).
      list: [...tablePrefixes(SOURCE_TABLES), MANIFEST_PREFIX],
      delete: tablePrefixes(SOURCE_TABLES),
    },
  },
  transform: {
    landing: {
      read: [MANIFEST_PREFIX],
      // A table object a manifest names may be gone (deleted by hand, a lifecycle rule): the
      // batch is parked only if S3 answers NoSuchKey, which it does only to a role that may
      // list the bucket; the prefix-scoped list below would get AccessDenied instead.
      probe: tablePrefixes(SOURCE_TABLES),
      // Refused landing objects are copied aside with their reason, and rows set aside are
      // written beside them (quarantine/rows/).
      write: [QUARANTINE_PREFIX],
      // Catch-up: the batches landed, and the manifests refused (those wait for an operator).
      list: [MANIFEST_PREFIX, `${QUARANTINE_PREFIX}${MANIFEST_PREFIX}`],
    },
    processed: {
      write: [...tablePrefixes(WAREHOUSE_TABLES), MANIFEST_PREFIX, STATE_PREFIX, RUNS_PREFIX],
      // Is the batch already done; the dimension snapshots; the previous run record.
      probe: [MANIFEST_PREFIX, STATE_PREFIX, RUNS_PREFIX],
      // Catch-up: the batches transformed.
      list: [MANIFEST_PREFIX],
    },
  },
  load: {
    processed: {
      read: [...tablePrefixes(WAREHOUSE_TABLES), MANIFEST_PREFIX],
      write: [QUARANTINE_PREFIX, RUNS_PREFIX],
      probe: [RUNS_PREFIX],
      // Gaps: the batch sequence of the day. Catch-up: the batches transformed, and the objects
      // refused (their batches wait for an operator). What load reconciles a batch against
      // travels in its processed manifest: load never reads landing.
      list: [MANIFEST_PREFIX, QUARANTINE_PREFIX],
    },
  },
};

/** Whether `access` covers `kind` of `key` (or, for `list`, of the listed prefix). */
export function isDeclared(
  access: PrefixAccess | undefined,
  kind: AccessKind,
  key: string,
): boolean {
  const under = (prefixes: readonly string[] | undefined) =>
    (prefixes ?? []).some((prefix) => key.startsWith(prefix));
  // A read of a key that may be missing is a probe; a probe of a key is also a read of it.
  if (kind === 'read') return under(access?.read) || under(access?.probe);
  return under(access?.[kind]);
}
