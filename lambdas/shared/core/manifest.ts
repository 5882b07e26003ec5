/**
 * Manifests: one immutable description of what a batch holds, written last by each stage so
 * a batch appears atomically. The batch id is the idempotency key of every stage.
 */
import { isBatchId } from './batch';
import { isSourceTableName, type SourceTableName } from './catalogue';

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
}

export interface LandingManifest {
  readonly kind: 'landing';
  readonly version: 1;
  readonly batchId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tables: readonly LandedTable[];
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
}

export class ManifestError extends Error {
  constructor(where: string, problem: string) {
    super(`Manifest ${where} is invalid: ${problem}. Re-run the stage that wrote it.`);
    this.name = 'ManifestError';
  }
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

function countOf(value: unknown, where: string, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ManifestError(where, `${what} is not a row or byte count`);
  }
  return value;
}

/** The parts every manifest shares: JSON, an object, its kind, version, batch id and tables. */
function parseHeader(
  text: string,
  where: string,
  kind: string,
): { raw: Record<string, unknown>; batchId: string; tables: unknown[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(where, `not JSON (${(error as Error).message})`);
  }
  const raw = objectOf(parsed, where, 'the manifest');
  if (raw.kind !== kind) throw new ManifestError(where, `kind is ${String(raw.kind)}, not ${kind}`);
  if (raw.version !== 1) throw new ManifestError(where, `version ${String(raw.version)} is not 1`);
  const batchId = stringOf(raw.batchId, where, 'batchId');
  if (!isBatchId(batchId)) throw new ManifestError(where, `batchId ${batchId} is malformed`);
  if (!Array.isArray(raw.tables)) throw new ManifestError(where, 'tables is not a list');
  return { raw, batchId, tables: raw.tables };
}

export function parseLandingManifest(text: string, where: string): LandingManifest {
  const { raw, batchId, tables: rawTables } = parseHeader(text, where, 'landing');
  const tables = rawTables.map((entry: unknown, index): LandedTable => {
    const t = objectOf(entry, where, `tables[${index}]`);
    const table = stringOf(t.table, where, `tables[${index}].table`);
    if (!isSourceTableName(table)) {
      throw new ManifestError(
        where,
        `tables[${index}] names unknown table ${JSON.stringify(table)}`,
      );
    }
    if (!Array.isArray(t.keys))
      throw new ManifestError(where, `tables[${index}].keys is not a list`);
    return {
      table,
      keys: t.keys.map((k: unknown, i) => stringOf(k, where, `tables[${index}].keys[${i}]`)),
      rows: countOf(t.rows, where, `tables[${index}].rows`),
      bytes: countOf(t.bytes, where, `tables[${index}].bytes`),
      from: t.from === null ? null : stringOf(t.from, where, `tables[${index}].from`),
      to: stringOf(t.to, where, `tables[${index}].to`),
      newest: t.newest === null ? null : stringOf(t.newest, where, `tables[${index}].newest`),
    };
  });
  return {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt: stringOf(raw.startedAt, where, 'startedAt'),
    finishedAt: stringOf(raw.finishedAt, where, 'finishedAt'),
    tables,
  };
}

export function parseProcessedManifest(text: string, where: string): ProcessedManifest {
  const { raw, batchId, tables: rawTables } = parseHeader(text, where, 'processed');
  const sourceRows = objectOf(raw.sourceRows, where, 'sourceRows');
  return {
    kind: 'processed',
    version: 1,
    batchId,
    startedAt: stringOf(raw.startedAt, where, 'startedAt'),
    finishedAt: stringOf(raw.finishedAt, where, 'finishedAt'),
    sourceRows: Object.fromEntries(
      Object.entries(sourceRows).map(([k, v]) => [k, countOf(v, where, `sourceRows.${k}`)]),
    ),
    tables: rawTables.map((entry: unknown, index): ProcessedTable => {
      const t = objectOf(entry, where, `tables[${index}]`);
      return {
        table: stringOf(t.table, where, `tables[${index}].table`),
        key: stringOf(t.key, where, `tables[${index}].key`),
        rows: countOf(t.rows, where, `tables[${index}].rows`),
      };
    }),
    newestSourceChange:
      raw.newestSourceChange === null || raw.newestSourceChange === undefined
        ? null
        : stringOf(raw.newestSourceChange, where, 'newestSourceChange'),
    completeUpTo:
      raw.completeUpTo === null || raw.completeUpTo === undefined
        ? null
        : stringOf(raw.completeUpTo, where, 'completeUpTo'),
    quarantined: Array.isArray(raw.quarantined) ? (raw.quarantined as QuarantinedObject[]) : [],
  };
}
