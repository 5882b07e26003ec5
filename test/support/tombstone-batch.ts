import type { Pool } from 'pg';
import type { SourceTableName } from '../../contract/source-catalogue';
import { SOURCE_TABLES } from '../../contract/source-catalogue';
import {
  DELETED_KEYS_REACH,
  deletesKey,
  SOURCE_DELETED_AT,
  type TombstoneLine,
} from '../../contract/source-deletes';
import { manifestKey, newBatchId } from '../../lambdas/shared/core/batch';
import type { LandedTable, LandingManifest } from '../../lambdas/shared/core/manifest';
import type { ObjectStore } from '../../lambdas/shared/ports/object-store';

/**
 * A stand-in for the deletes reconciliation, for tests of what comes after landing: it lands a
 * batch of tombstones exactly as contract/source-deletes.ts says (`<table>/<batchId>.deletes.
 * jsonl`, one `{"key":…,"deletedAt":…}` line per key, and the landing manifest's
 * `deletes: { key, rows }`), with no rows. Not the detection itself: it reads whole tables.
 */
export interface TombstoneBatch {
  readonly batchId: string;
  readonly manifestKey: string;
  /** The tombstones landed, per source table. */
  readonly tombstones: Partial<Record<SourceTableName, TombstoneLine[]>>;
}

export interface TombstoneOptions {
  /** When the keys were seen gone. @default the source's clock now */
  readonly deletedAt?: string;
  /** Lines appended to a table's deletes object as they are (a damaged object). */
  readonly extraLines?: Partial<Record<SourceTableName, readonly string[]>>;
}

/** Lands `tombstones` (keys per source table) as a batch of their own. */
export async function landTombstones(
  landing: ObjectStore,
  source: Pool,
  keys: Partial<Record<SourceTableName, readonly number[]>>,
  options: TombstoneOptions = {},
): Promise<TombstoneBatch> {
  const now = await sourceNow(source);
  const deletedAt = options.deletedAt ?? now;
  const batchId = newBatchId(new Date());
  const tables: LandedTable[] = [];
  const tombstones: Partial<Record<SourceTableName, TombstoneLine[]>> = {};
  const names = new Set([
    ...(Object.keys(keys) as SourceTableName[]),
    ...(Object.keys(options.extraLines ?? {}) as SourceTableName[]),
  ]);
  for (const table of names) {
    const lines = (keys[table] ?? []).map((key) => ({ key, deletedAt }));
    const extra = options.extraLines?.[table] ?? [];
    const key = deletesKey(table, batchId);
    const body = [...lines.map((l) => JSON.stringify(l)), ...extra].map((l) => `${l}\n`).join('');
    await landing.put(key, body, 'application/x-ndjson');
    tombstones[table] = lines;
    tables.push({
      table,
      keys: [],
      rows: 0,
      bytes: 0,
      from: now,
      to: now,
      newest: null,
      deletes: { key, rows: lines.length + extra.length },
    });
  }
  const manifest: LandingManifest = {
    kind: 'landing',
    version: 1,
    batchId,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    tables,
  };
  await landing.put(manifestKey(batchId), JSON.stringify(manifest, null, 2), 'application/json');
  return { batchId, manifestKey: manifestKey(batchId), tombstones };
}

/**
 * Adds tombstones to a batch ingest landed (before it is transformed), as if the reconciliation
 * had run in the same batch: each table's deletes object, and its manifest entry's `deletes`.
 */
export async function addTombstones(
  landing: ObjectStore,
  batchId: string,
  keys: Partial<Record<SourceTableName, readonly number[]>>,
  deletedAt: string,
): Promise<void> {
  const manifest = JSON.parse(
    (await landing.get(manifestKey(batchId))).toString('utf8'),
  ) as LandingManifest;
  const tables = [...manifest.tables];
  for (const [table, list] of Object.entries(keys) as [SourceTableName, readonly number[]][]) {
    const key = deletesKey(table, batchId);
    const body = list.map((k) => `${JSON.stringify({ key: k, deletedAt })}\n`).join('');
    await landing.put(key, body, 'application/x-ndjson');
    const index = tables.findIndex((t) => t.table === table);
    const to = manifest.tables[0]?.to ?? deletedAt;
    const entry: LandedTable = tables[index] ?? {
      table,
      keys: [],
      rows: 0,
      bytes: 0,
      from: to,
      to,
      newest: null,
    };
    const withDeletes = { ...entry, deletes: { key, rows: list.length } };
    if (index >= 0) tables[index] = withDeletes;
    else tables.push(withDeletes);
  }
  await landing.put(
    manifestKey(batchId),
    JSON.stringify({ ...manifest, tables }, null, 2),
    'application/json',
  );
}

/**
 * Lands a tombstone for every key the warehouse holds unmarked and the source no longer has,
 * as the reconciliation would find them (whole tables read: fine for a test's few rows).
 */
export async function landGoneKeys(
  landing: ObjectStore,
  source: Pool,
  warehouse: Pool,
  options: TombstoneOptions = {},
): Promise<TombstoneBatch> {
  const keys: Partial<Record<SourceTableName, number[]>> = {};
  for (const [table, reach] of Object.entries(DELETED_KEYS_REACH) as [
    SourceTableName,
    (typeof DELETED_KEYS_REACH)[SourceTableName],
  ][]) {
    if (!reach) continue;
    const held = await warehouse.query<{ key: number }>(
      `SELECT DISTINCT ${reach.column} AS key FROM ${reach.table} WHERE ${SOURCE_DELETED_AT} IS NULL`,
    );
    const present = await source.query<{ key: number }>(
      `SELECT ${SOURCE_TABLES[table].primaryKey} AS key FROM ${table}`,
    );
    const there = new Set(present.rows.map((r) => r.key));
    const goneKeys = held.rows.map((r) => r.key).filter((k) => !there.has(k));
    if (goneKeys.length > 0) keys[table] = goneKeys.sort((a, b) => a - b);
  }
  return landTombstones(landing, source, keys, options);
}

/** The source clock as ingest reads it (source-clock.ts): the wall clock last_updated is stamped by. */
export async function sourceNow(source: Pool): Promise<string> {
  const result = await source.query<{ now: string }>(
    `SELECT to_char(clock_timestamp() AT TIME ZONE current_setting('TimeZone'), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now`,
  );
  return result.rows[0]!.now;
}
