/**
 * How a source table's columns differ from the catalogue, as every stage and the command line
 * see it: ingest finds the changes, keeps those still standing beside the watermarks (so status
 * and doctor can show them), and carries them in the landing manifest; transform hands them on
 * and the load records each once in `etl.schema_changes`.
 */
import { isSourceTableName, type SourceTableName } from './catalogue';
import { ConfigurationError } from './pipeline-error';
import { canonicalTimestamp } from './value-codecs';

/**
 * `retyped`: to a type the pipeline does not read as the catalogue's; `resized`: within the
 * catalogue type's family, read the same way (`numeric(10,2)` → `numeric(12,4)`, `integer` →
 * `bigint`, `text` → `character varying(40)`).
 */
export type SchemaChangeKind = 'added' | 'dropped' | 'retyped' | 'resized';

export interface SchemaChange {
  readonly table: SourceTableName;
  readonly column: string;
  readonly change: SchemaChangeKind;
  /**
   * The catalogue's type of a dropped or retyped column (`integer`), or of a resized one as
   * totesys declares it (`numeric(10,2)`); null for an added one.
   */
  readonly before: string | null;
  /**
   * The source's type of an added, retyped or resized column (`character varying(20)`); null
   * once dropped.
   */
  readonly after: string | null;
  /** When an ingest first saw it, UTC. */
  readonly firstSeen: string;
}

/** A change an ingest found still standing, and whether it stops its table (docs/guarantees.md). */
export interface PendingSchemaChange extends SchemaChange {
  readonly stops: boolean;
}

const KINDS: readonly SchemaChangeKind[] = ['added', 'dropped', 'retyped', 'resized'];

/** True when `a` and `b` are the same change of the same column (whenever each was seen). */
export function sameChange(a: SchemaChange, b: SchemaChange): boolean {
  return (
    a.table === b.table &&
    a.column === b.column &&
    a.change === b.change &&
    a.before === b.before &&
    a.after === b.after
  );
}

/**
 * One schema change from JSON (a manifest's, or the ingest's state), or what is wrong with it.
 *
 * @example
 * schemaChangeOf({ table: 'payment', column: 'paid', change: 'dropped', before: 'boolean', after: null, firstSeen: '2026-12-05T12:00:00.000Z' });
 */
export function schemaChangeOf(value: unknown): SchemaChange | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'is not an object';
  }
  const c = value as Record<string, unknown>;
  if (typeof c.table !== 'string' || !isSourceTableName(c.table)) {
    return 'names no source table';
  }
  if (typeof c.column !== 'string' || c.column === '') return 'names no column';
  if (!KINDS.includes(c.change as SchemaChangeKind)) {
    return `change is not one of ${KINDS.join(', ')}`;
  }
  const typeOrNull = (v: unknown) => v === null || (typeof v === 'string' && v !== '');
  if (!typeOrNull(c.before) || !typeOrNull(c.after)) return 'before or after is not a type or null';
  if (
    (c.before === null) !== (c.change === 'added') ||
    (c.after === null) !== (c.change === 'dropped')
  ) {
    return `before and after do not fit a column ${String(c.change)}`;
  }
  if (typeof c.firstSeen !== 'string' || canonicalTimestamp(c.firstSeen) === undefined) {
    return 'firstSeen is not a UTC timestamp';
  }
  return {
    table: c.table,
    column: c.column,
    change: c.change as SchemaChangeKind,
    before: c.before as string | null,
    after: c.after as string | null,
    firstSeen: c.firstSeen,
  };
}

/** A pending change from the ingest's state, or what is wrong with it. */
export function pendingSchemaChangeOf(value: unknown): PendingSchemaChange | string {
  const change = schemaChangeOf(value);
  if (typeof change === 'string') return change;
  const stops = (value as { stops?: unknown }).stops;
  return typeof stops === 'boolean' ? { ...change, stops } : 'stops is not true or false';
}

/** The change without what only the ingest's state needs. */
export function recordedChange({ stops: _stops, ...change }: PendingSchemaChange): SchemaChange {
  return change;
}

/**
 * One line for an operator: the column, before → after, and whether its table is stopped.
 *
 * @example
 * schemaChangeText(change); // 'payment.paid dropped (was boolean): stops payment'
 */
export function schemaChangeText(change: PendingSchemaChange): string {
  const what =
    change.change === 'added'
      ? `added (${change.after})`
      : change.change === 'dropped'
        ? `dropped (was ${change.before})`
        : `${change.change} ${change.before} → ${change.after}`;
  const kept =
    change.change === 'resized'
      ? 'kept, its values reach the warehouse as they are'
      : 'kept in landing, not in the warehouse';
  return `${change.table}.${change.column} ${what}, since ${change.firstSeen}: ${
    change.stops ? `stops ${change.table}` : kept
  }`;
}

/**
 * The pending changes a watermark store holds, refused as a whole when any is not one: a guess
 * could stop a table, or let one go on, that should not.
 *
 * @throws {ConfigurationError} naming where they are kept and what to do
 */
export function pendingSchemaChangesOf(text: string, where: string): PendingSchemaChange[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const changes = Array.isArray(value) ? value.map(pendingSchemaChangeOf) : ['is not a list'];
  const problem = changes.find((c): c is string => typeof c === 'string');
  if (problem !== undefined) {
    throw new ConfigurationError(
      `${where} is not a JSON list of schema changes (one ${problem}): delete it (the next ingest finds the changes again)`,
    );
  }
  return changes as PendingSchemaChange[];
}
