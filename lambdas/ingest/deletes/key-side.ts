import type { ClientBase } from 'pg';
import { quoteIdent } from '../../shared/core/catalogue';

/** A key range's count and hash on one side; equal on both sides means the same keys. */
export interface RangeSummary {
  readonly count: number;
  readonly hash: string;
}

/**
 * One database's keys of one table, as the reconciliation reads them: summaries of key ranges,
 * and the keys of a small range. Both sides compute the summary with the same expression, so a
 * range holding the same keys on both answers the same count and hash.
 */
export interface KeySide {
  /** The smallest and largest key, or undefined when the table has none. */
  bounds(): Promise<{ readonly min: number; readonly max: number } | undefined>;
  /** Per bucket `floor((key - lo) / width)` of [lo, hi), its summary; empty buckets are absent. */
  summaries(lo: number, hi: number, width: number): Promise<Map<number, RangeSummary>>;
  /** The keys in [lo, hi), ascending. */
  keys(lo: number, hi: number): Promise<number[]>;
}

/**
 * The keys of `relation` (a table, or a subquery that yields one row per key) in column `k`,
 * read through `client` inside the caller's transaction. `hashint8` is PostgreSQL's own hash of
 * a bigint, the same on every version and on both databases.
 */
export function sqlKeySide(client: ClientBase, relation: string): KeySide {
  return {
    async bounds() {
      const { rows } = await client.query<{ min: string | null; max: string | null }>(
        `SELECT min(k)::text AS min, max(k)::text AS max FROM ${relation} s`,
      );
      const row = rows[0];
      return row?.min == null || row.max == null
        ? undefined
        : { min: Number(row.min), max: Number(row.max) };
    },
    async summaries(lo, hi, width) {
      const { rows } = await client.query<{ bucket: string; count: string; hash: string }>(
        `SELECT ((k::bigint - $1::bigint) / $3::bigint)::text AS bucket, count(*)::text AS count,
                sum(hashint8(k::bigint))::text AS hash
           FROM ${relation} s WHERE k >= $1::bigint AND k < $2::bigint GROUP BY 1`,
        [lo, hi, width],
      );
      return new Map(rows.map((r) => [Number(r.bucket), { count: Number(r.count), hash: r.hash }]));
    },
    async keys(lo, hi) {
      const { rows } = await client.query<{ k: string }>(
        `SELECT k::text AS k FROM ${relation} s WHERE k >= $1::bigint AND k < $2::bigint ORDER BY k`,
        [lo, hi],
      );
      return rows.map((r) => Number(r.k));
    },
  };
}

/** A source table's primary keys, as a relation for `sqlKeySide`. */
export function sourceKeys(table: string, key: string): string {
  return `(SELECT ${quoteIdent(key)} AS k FROM ${quoteIdent(table)})`;
}

/**
 * The keys a warehouse table holds alive, one row per key (a fact keeps a row per version).
 * `live` is false before the warehouse has a `source_deleted_at` column: then every row is.
 */
export function warehouseKeys(table: string, column: string, live: boolean): string {
  const where = live ? ' WHERE source_deleted_at IS NULL' : '';
  return `(SELECT DISTINCT ${quoteIdent(column)} AS k FROM ${quoteIdent(table)}${where})`;
}
