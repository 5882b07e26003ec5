/**
 * Manifests: one immutable description of what a batch holds, written last by each stage so
 * a batch appears atomically. The batch id is the idempotency key of every stage.
 */
import { batchIdFromManifestKey, isLandingKeyOf, processedDeletesKey, processedKey } from './batch';
import { canonicalTimestamp } from './value-codecs';
import { isSourceTableName, type SourceTableName } from './catalogue';
import { PipelineError } from './pipeline-error';
import { schemaChangeOf, type SchemaChange } from './schema-changes';
import { DELETED_KEYS_REACH, deletesKey } from '../../../contract/source-deletes';

export interface LandedTable {
  readonly table: SourceTableName;
  /** Landing objects of this table in this batch (none when nothing changed). */
  readonly keys: readonly string[];
  readonly rows: number;
  readonly bytes: number;
  /** Exclusive lower bound of the extract window; null for a full extract. */
  readonly from: string | null;
  readonly to: string;
  /** The newest last_updated among the rows read, or null when none were. */
  readonly newest: string | null;
  /** A backfill's later batch: the window's rows after this position, which earlier ones landed. */
  readonly after?: Cursor;
  /** A capped batch: the window's rows up to this position; the rest waits for later batches. */
  readonly upTo?: Cursor;
  /** Rows of the window left for later batches when the batch was capped. */
  readonly remaining?: number;
  /** `remaining` is the source planner's estimate, not a count (lambdas/ingest/extract.ts). */
  readonly remainingEstimated?: boolean;
  /** Keys the source no longer has, found by a deletes reconciliation (contract/source-deletes.ts). */
  readonly deletes?: LandedDeletes;
}

/** A table's tombstones in a batch: one `TombstoneLine` per key, in `deletesKey(table, batch)`. */
export interface LandedDeletes {
  readonly key: string;
  readonly rows: number;
}

/** A position in (last_updated, primary key) order: where a capped batch stopped. */
export interface Cursor {
  readonly lastUpdated: string;
  readonly key: number;
}

export interface LandingManifest {
  readonly kind: 'landing';
  readonly version: 1;
  readonly batchId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tables: readonly LandedTable[];
  /**
   * How the checked tables' columns differ from the catalogue as the batch was read
   * (lambdas/ingest/live-columns.ts), each change with when it was first seen; the load records
   * each once in `etl.schema_changes`. Absent when they all agree.
   */
  readonly schemaChanges?: readonly SchemaChange[];
}

export interface ProcessedTable {
  /** A warehouse table name from the warehouse catalogue. */
  readonly table: string;
  readonly key: string;
  readonly rows: number;
}

export interface QuarantinedObject {
  readonly source: string;
  readonly quarantineKey: string;
  readonly reason: string;
}

/** One source row set aside for a value the warehouse cannot hold. */
export interface QuarantinedRow {
  /** The row's primary key. */
  readonly key: number | string | null;
  readonly column: string;
  /** The value as JSON, control characters escaped, cut to about 40 characters. */
  readonly value: string;
  /** The landing object it was read from, `s3://bucket/key`, and its line there. */
  readonly source: string;
  readonly line: number;
  readonly reason: string;
}

/**
 * The rows of one source table a batch set aside: each with its original row and reason in
 * `quarantineKey` (landing bucket), the first few named here too.
 */
export interface QuarantinedRows {
  readonly table: SourceTableName;
  readonly rows: number;
  readonly quarantineKey: string;
  readonly first: readonly QuarantinedRow[];
}

/** One source table as landing held it in a batch: what load reconciles transform against. */
export interface LandedCount {
  readonly table: SourceTableName;
  readonly rows: number;
  /** The extract window, as in {@link LandedTable}. */
  readonly from: string | null;
  readonly to: string;
  /** Tombstone lines landed for the table (`LandedTable.deletes.rows`), when there were any. */
  readonly tombstones?: number;
}

/**
 * What the landing manifest said of a batch, carried on in the processed manifest so that load
 * reads only its own input and never the landing bucket.
 */
export interface LandedSummary {
  /** When ingest started the batch: load measures the batch's lag from it. */
  readonly startedAt: string;
  readonly tables: readonly LandedCount[];
  /** The landing manifest's schema changes, for the load to record. */
  readonly schemaChanges?: readonly SchemaChange[];
}

/**
 * The part of a landing manifest transform hands on to load.
 *
 * @example
 * const processed: ProcessedManifest = { ...rest, landed: landedSummary(landingManifest) };
 */
export function landedSummary(manifest: LandingManifest): LandedSummary {
  return {
    startedAt: manifest.startedAt,
    tables: manifest.tables.map(({ table, rows, from, to, deletes }) => ({
      table,
      rows,
      from,
      to,
      ...(deletes === undefined ? {} : { tombstones: deletes.rows }),
    })),
    ...(manifest.schemaChanges ? { schemaChanges: manifest.schemaChanges } : {}),
  };
}

/**
 * A source table's tombstones as the transform hands them to the load: the keys to mark deleted
 * in the warehouse table they reach (contract/source-deletes.ts). Landing's tombstone lines of
 * the table are `rows` plus `setAside`.
 */
export interface ProcessedDeletes {
  readonly source: SourceTableName;
  /**
   * The warehouse table holding the source table's keys; absent for a table whose keys none
   * holds (`department`), whose tombstones are all set aside.
   */
  readonly table?: string;
  /** `processedDeletesKey(table, batchId)`: one tombstone line per key; absent when `rows` is 0. */
  readonly key?: string;
  readonly rows: number;
  /** Lines that could not be read, kept with their reasons in `quarantineKey` (landing bucket). */
  readonly setAside: number;
  readonly quarantineKey?: string;
}

export interface ProcessedManifest {
  readonly kind: 'processed';
  readonly version: 1;
  readonly batchId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Rows read from landing per source table: what reconciliation compares with landing. */
  readonly sourceRows: Readonly<Record<string, number>>;
  readonly tables: readonly ProcessedTable[];
  /** The newest source change in the batch. */
  readonly newestSourceChange: string | null;
  /**
   * The source clock reading up to which this batch completes the warehouse (the earliest
   * upper bound of its extract windows). Freshness is measured from it, so a quiet source
   * with nothing to change does not look stale.
   */
  readonly completeUpTo: string | null;
  readonly quarantined: readonly QuarantinedObject[];
  /**
   * Rows set aside per source table, not counted in `sourceRows`: landing's rows of a table
   * are its `sourceRows` plus these. Absent from manifests written before rows were set aside.
   */
  readonly quarantinedRows?: readonly QuarantinedRows[];
  /**
   * What landing held of the batch. Absent from manifests written before transform carried it:
   * such a batch loads without reconciliation (load does not read landing).
   */
  readonly landed?: LandedSummary;
  /** Tombstones per source table. Absent from manifests of batches that carried none. */
  readonly deletes?: readonly ProcessedDeletes[];
}

export class ManifestError extends PipelineError {
  readonly kind = 'bad-data';

  constructor(where: string, problem: string) {
    super(`Manifest ${where} is invalid: ${problem}. Re-run the stage that wrote it.`);
    this.name = 'ManifestError';
  }
}

/** Where a manifest was read from: its key names the batch the manifest must describe. */
export interface ManifestLocation {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The most bytes a manifest may hold. Eleven tables of a few parts each make a few KB; the
 * bound keeps a stray or hostile object from being read whole into a stage's memory.
 */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

/** A value for an error message: a hostile manifest may hold a megabyte in one field. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function objectOf(value: unknown, where: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(where, `${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function stringOf(value: unknown, where: string, what: string): string {
  if (typeof value !== 'string') throw new ManifestError(where, `${what} is not a string`);
  return value;
}

function booleanOf(value: unknown, where: string, what: string): boolean {
  if (typeof value !== 'boolean') throw new ManifestError(where, `${what} is not true or false`);
  return value;
}

function countOf(value: unknown, where: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ManifestError(where, `${what} is not a row or byte count`);
  }
  return value;
}

function cursorOf(value: unknown, where: string, what: string): Cursor {
  const cursor = objectOf(value, where, what);
  if (!Number.isSafeInteger(cursor.key)) throw new ManifestError(where, `${what}.key is not a key`);
  return {
    lastUpdated: timestampOf(cursor.lastUpdated, where, `${what}.lastUpdated`),
    key: cursor.key as number,
  };
}

function timestampOf(value: unknown, where: string, what: string): string {
  // 3 decimals (Date#toISOString, and earlier releases' bounds) or 6 (the landed form).
  if (typeof value === 'string' && canonicalTimestamp(value) !== undefined) return value;
  throw new ManifestError(
    where,
    `${what} is not a UTC timestamp 'YYYY-MM-DDTHH:MM:SS.ffffffZ' but ${shown(value)}`,
  );
}

/** A timestamp that may be null; an older manifest may also leave it out. */
function timestampOrNullOf(value: unknown, where: string, what: string): string | null {
  return value === null || value === undefined ? null : timestampOf(value, where, what);
}

/**
 * The parts every manifest shares: JSON, an object, its kind and version, the batch id its key
 * names, its timestamps and its tables.
 */
function parseHeader(text: string, at: ManifestLocation, kind: string) {
  const where = `s3://${at.bucket}/${at.key}`;
  const keyBatchId = batchIdFromManifestKey(at.key);
  if (!keyBatchId) throw new ManifestError(where, 'its key is not manifests/<batchId>.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(where, `not JSON (${(error as Error).message})`);
  }
  const raw = objectOf(parsed, where, 'the manifest');
  if (raw.kind !== kind) throw new ManifestError(where, `kind is ${shown(raw.kind)}, not ${kind}`);
  if (raw.version !== 1) throw new ManifestError(where, `version ${shown(raw.version)} is not 1`);
  const batchId = stringOf(raw.batchId, where, 'batchId');
  if (batchId !== keyBatchId) {
    throw new ManifestError(
      where,
      `batchId ${shown(batchId)} is not ${keyBatchId}, the batch its key names`,
    );
  }
  if (!Array.isArray(raw.tables)) throw new ManifestError(where, 'tables is not a list');
  return {
    raw,
    where,
    batchId,
    startedAt: timestampOf(raw.startedAt, where, 'startedAt'),
    finishedAt: timestampOf(raw.finishedAt, where, 'finishedAt'),
    tables: raw.tables as unknown[],
  };
}

/**
 * Reads a landing manifest: the batch id is the one its key names, and every object key is
 * one of that table's keys in that batch, so a manifest can only hand on its own batch.
 *
 * @throws {ManifestError} naming the manifest and what is wrong with it.
 * @example
 * parseLandingManifest(text, { bucket: 'landing', key: 'manifests/20261123T043451123Z-3f9a1c.json' });
 */
export function parseLandingManifest(text: string, at: ManifestLocation): LandingManifest {
  const {
    raw,
    where,
    batchId,
    startedAt,
    finishedAt,
    tables: rawTables,
  } = parseHeader(text, at, 'landing');
  const tables = rawTables.map((entry: unknown, index): LandedTable => {
    const t = objectOf(entry, where, `tables[${index}]`);
    const table = sourceTableOf(t, where, `tables[${index}]`);
    if (!Array.isArray(t.keys))
      throw new ManifestError(where, `tables[${index}].keys is not a list`);
    const keys = t.keys.map((k: unknown, i) => {
      const key = stringOf(k, where, `tables[${index}].keys[${i}]`);
      if (!isLandingKeyOf(key, table, batchId)) {
        throw new ManifestError(
          where,
          `tables[${index}].keys[${i}] ${shown(key)} is not an object of ${table} in batch ${batchId}`,
        );
      }
      return key;
    });
    return {
      table,
      keys,
      rows: countOf(t.rows, where, `tables[${index}].rows`),
      bytes: countOf(t.bytes, where, `tables[${index}].bytes`),
      from: timestampOrNullOf(t.from, where, `tables[${index}].from`),
      to: timestampOf(t.to, where, `tables[${index}].to`),
      newest: timestampOrNullOf(t.newest, where, `tables[${index}].newest`),
      ...(t.after === undefined
        ? {}
        : { after: cursorOf(t.after, where, `tables[${index}].after`) }),
      ...(t.upTo === undefined ? {} : { upTo: cursorOf(t.upTo, where, `tables[${index}].upTo`) }),
      ...(t.remaining === undefined
        ? {}
        : { remaining: countOf(t.remaining, where, `tables[${index}].remaining`) }),
      ...(t.remainingEstimated === undefined
        ? {}
        : {
            remainingEstimated: booleanOf(
              t.remainingEstimated,
              where,
              `tables[${index}].remainingEstimated`,
            ),
          }),
      ...(t.deletes === undefined
        ? {}
        : {
            deletes: landedDeletesOf(t.deletes, table, batchId, where, `tables[${index}].deletes`),
          }),
    };
  });
  return {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt,
    finishedAt,
    tables,
    ...schemaChangesIn(raw, where, 'schemaChanges'),
  };
}

/**
 * Reads a processed manifest: the batch id is the one its key names, and every table's key is
 * that table's Parquet object in that batch.
 *
 * @throws {ManifestError} naming the manifest and what is wrong with it.
 */
export function parseProcessedManifest(text: string, at: ManifestLocation): ProcessedManifest {
  const { raw, where, batchId, startedAt, finishedAt, tables } = parseHeader(text, at, 'processed');
  const sourceRows = objectOf(raw.sourceRows, where, 'sourceRows');
  return {
    kind: 'processed',
    version: 1,
    batchId,
    startedAt,
    finishedAt,
    sourceRows: Object.fromEntries(
      Object.entries(sourceRows).map(([k, v]) => [k, countOf(v, where, `sourceRows.${k}`)]),
    ),
    tables: tables.map((entry: unknown, index): ProcessedTable => {
      const t = objectOf(entry, where, `tables[${index}]`);
      const table = stringOf(t.table, where, `tables[${index}].table`);
      const key = stringOf(t.key, where, `tables[${index}].key`);
      if (key !== processedKey(table, batchId)) {
        throw new ManifestError(
          where,
          `tables[${index}].key ${shown(key)} is not ${processedKey(table, batchId)}`,
        );
      }
      return { table, key, rows: countOf(t.rows, where, `tables[${index}].rows`) };
    }),
    newestSourceChange: timestampOrNullOf(raw.newestSourceChange, where, 'newestSourceChange'),
    completeUpTo: timestampOrNullOf(raw.completeUpTo, where, 'completeUpTo'),
    quarantined: Array.isArray(raw.quarantined) ? (raw.quarantined as QuarantinedObject[]) : [],
    ...(raw.quarantinedRows === undefined
      ? {}
      : { quarantinedRows: quarantinedRowsOf(raw.quarantinedRows, where) }),
    ...(raw.landed === undefined ? {} : { landed: landedSummaryOf(raw.landed, where) }),
    ...(raw.deletes === undefined
      ? {}
      : { deletes: processedDeletesOf(raw.deletes, batchId, where) }),
  };
}

/** A table's tombstones: its object, when it has one, is that table's deletes object in this batch. */
function processedDeletesOf(value: unknown, batchId: string, where: string): ProcessedDeletes[] {
  if (!Array.isArray(value)) throw new ManifestError(where, 'deletes is not a list');
  return value.map((entry: unknown, index): ProcessedDeletes => {
    const what = `deletes[${index}]`;
    const d = objectOf(entry, where, what);
    const source = stringOf(d.source, where, `${what}.source`);
    if (!isSourceTableName(source)) {
      throw new ManifestError(where, `${what}.source names unknown table ${shown(source)}`);
    }
    const table = d.table === undefined ? undefined : stringOf(d.table, where, `${what}.table`);
    const reach = DELETED_KEYS_REACH[source];
    if (table !== reach?.table) {
      throw new ManifestError(
        where,
        `${what}.table ${table === undefined ? 'absent' : shown(table)} is not where ${source}'s keys live (${reach?.table ?? 'none'})`,
      );
    }
    const rows = countOf(d.rows, where, `${what}.rows`);
    const setAside = countOf(d.setAside, where, `${what}.setAside`);
    const key = d.key === undefined ? undefined : stringOf(d.key, where, `${what}.key`);
    if (key !== undefined && (table === undefined || key !== processedDeletesKey(table, batchId))) {
      throw new ManifestError(
        where,
        `${what}.key ${shown(key)} is not ${table ? processedDeletesKey(table, batchId) : 'expected: the table has no warehouse row'}`,
      );
    }
    if (rows > 0 && key === undefined) {
      throw new ManifestError(where, `${what} counts ${rows} tombstones but names no object`);
    }
    const quarantineKey =
      d.quarantineKey === undefined
        ? undefined
        : stringOf(d.quarantineKey, where, `${what}.quarantineKey`);
    return {
      source,
      ...(table === undefined ? {} : { table }),
      ...(key === undefined ? {} : { key }),
      rows,
      setAside,
      ...(quarantineKey === undefined ? {} : { quarantineKey }),
    };
  });
}

/** The source table an entry `what` of a manifest names, refused when it is no such table. */
function sourceTableOf(
  entry: Record<string, unknown>,
  where: string,
  what: string,
): SourceTableName {
  const table = stringOf(entry.table, where, `${what}.table`);
  if (!isSourceTableName(table)) {
    throw new ManifestError(where, `${what} names unknown table ${shown(table)}`);
  }
  return table;
}

/** A table's tombstones: the object must be that table's deletes object in this batch. */
function landedDeletesOf(
  value: unknown,
  table: SourceTableName,
  batchId: string,
  where: string,
  what: string,
): LandedDeletes {
  const deletes = objectOf(value, where, what);
  const key = stringOf(deletes.key, where, `${what}.key`);
  if (key !== deletesKey(table, batchId)) {
    throw new ManifestError(
      where,
      `${what}.key ${shown(key)} is not ${deletesKey(table, batchId)}`,
    );
  }
  return { key, rows: countOf(deletes.rows, where, `${what}.rows`) };
}

/** Reconciliation counts these: the table and the count are checked, the examples carried. */
function quarantinedRowsOf(value: unknown, where: string): QuarantinedRows[] {
  if (!Array.isArray(value)) throw new ManifestError(where, 'quarantinedRows is not a list');
  return value.map((entry: unknown, index): QuarantinedRows => {
    const what = `quarantinedRows[${index}]`;
    const t = objectOf(entry, where, what);
    const table = sourceTableOf(t, where, what);
    return {
      table,
      rows: countOf(t.rows, where, `${what}.rows`),
      quarantineKey: stringOf(t.quarantineKey, where, `${what}.quarantineKey`),
      first: Array.isArray(t.first) ? (t.first as QuarantinedRow[]) : [],
    };
  });
}

function landedSummaryOf(value: unknown, where: string): LandedSummary {
  const landed = objectOf(value, where, 'landed');
  if (!Array.isArray(landed.tables)) throw new ManifestError(where, 'landed.tables is not a list');
  return {
    startedAt: timestampOf(landed.startedAt, where, 'landed.startedAt'),
    tables: landed.tables.map((entry: unknown, index): LandedCount => {
      const what = `landed.tables[${index}]`;
      const t = objectOf(entry, where, what);
      const table = sourceTableOf(t, where, what);
      return {
        table,
        rows: countOf(t.rows, where, `${what}.rows`),
        from: timestampOrNullOf(t.from, where, `${what}.from`),
        to: timestampOf(t.to, where, `${what}.to`),
        ...(t.tombstones === undefined
          ? {}
          : { tombstones: countOf(t.tombstones, where, `${what}.tombstones`) }),
      };
    }),
    ...schemaChangesIn(landed, where, 'landed.schemaChanges'),
  };
}

/** A manifest's schema changes, each one checked (lambdas/shared/core/schema-changes.ts). */
function schemaChangesIn(
  holder: Record<string, unknown>,
  where: string,
  what: string,
): { schemaChanges?: SchemaChange[] } {
  const value = holder.schemaChanges;
  if (value === undefined) return {};
  if (!Array.isArray(value)) throw new ManifestError(where, `${what} is not a list`);
  return {
    schemaChanges: value.map((entry: unknown, index) => {
      const change = schemaChangeOf(entry);
      if (typeof change === 'string') {
        throw new ManifestError(where, `${what}[${index}] ${change}: ${shown(entry)}`);
      }
      return change;
    }),
  };
}
